#include "addrmap.h"

#include <assert.h>
#include <string.h>
#include <sys/mman.h>
#include "inject.h"

/*
 * Leaves and inner nodes share one shape: `count` sorted keys, each paired
 * with a slot. A leaf's slot is the entry's value. An inner node's slot i is a
 * child, and keys[i] is the least key that may live under that child, so a
 * node's keys[0] repeats the separator its parent holds for it (leftmost
 * nodes use 0). That invariant lets split, merge and redistribution move
 * (key, slot) pairs the same way at every level, with no separator shuffling
 * through the parent.
 *
 * Each level is also a doubly linked list in key order: at the leaves this
 * lets floor/ceiling/next step into a neighbouring leaf without another
 * descent; at inner levels it lets clear free nodes level by level.
 *
 * Every node but the root and the last node of its level holds between
 * NODE_MIN_FILL and NODE_CAPACITY entries (removal merges or redistributes
 * underfull nodes), so the tree uses at most ~37 bytes per live entry
 * (512-byte nodes at least half full) and its depth is logarithmic in the
 * live count.  The last node of a level may hold fewer (but two) because
 * appending past the end of a level keeps the full node nearly whole and
 * starts a new one:
 * addresses handed out in ascending order (bottom-up placement) then fill
 * their nodes, which keeps the tree a level shallower. Freed nodes stay in the
 * map's pool for reuse, so the pool itself is sized by the peak count.
 */
#define NODE_CAPACITY 30
#define NODE_MIN_FILL (NODE_CAPACITY / 2)
/* Height h needs at least 2 * 15^(h-1) entries: 16 levels would take 10^17. */
#define MAX_HEIGHT 16
#define CHUNK_BYTES (64 * 1024)

/* The count and the keys come first so a search touches the fewest cache lines. */
struct addrmap_node {
    unsigned count;
    uintptr_t keys[NODE_CAPACITY];
    void *slots[NODE_CAPACITY];
    struct addrmap_node *prev, *next;
} __attribute__((aligned(64)));

_Static_assert(CHUNK_BYTES % sizeof(struct addrmap_node) == 0, "chunks hold whole nodes");

/* The nodes from the root (nodes[0]) to a leaf, and which slot was taken in each. */
struct path {
    struct addrmap_node *nodes[MAX_HEIGHT];
    unsigned index[MAX_HEIGHT];
};

static struct addrmap_node *node_alloc(struct addrmap *map)
{
    struct addrmap_node *node = map->free_nodes;

    if (node) {
        map->free_nodes = node->next;
        return node;
    }
    if (map->chunk_next == map->chunk_end) {
        void *chunk = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED)
            return NULL;
        map->chunk_next = chunk;
        map->chunk_end = map->chunk_next + CHUNK_BYTES / sizeof(struct addrmap_node);
        map->pool_bytes += CHUNK_BYTES;
    }
    /* Carving a chunk lazily keeps its untouched pages from ever using RAM. */
    return map->chunk_next++;
}

static void node_free(struct addrmap *map, struct addrmap_node *node)
{
    node->next = map->free_nodes;
    map->free_nodes = node;
}

/*
 * Number of keys[0..n) that are <= key. A scan rather than a binary search:
 * lookup addresses are unpredictable, so each binary-search probe is a
 * mispredicted branch unless the compiler emits a conditional move, which gcc
 * does and clang does not (it was 2x slower at 100k entries), and its loads
 * depend on each other. The scan first strides over blocks of 8 keys, then
 * steps through one block: about 6 comparisons in a full node instead of 15,
 * with loads the processor can issue ahead.
 */
static unsigned count_le(const uintptr_t *keys, unsigned n, uintptr_t key)
{
    unsigned count = 0;

    while (count + 8 < n && keys[count + 8] <= key)
        count += 8;
    while (count < n && keys[count] <= key)
        count++;
    return count;
}

/* keys[0] is skipped: everything under this node is already >= it. */
static unsigned child_index(const struct addrmap_node *node, uintptr_t key)
{
    return count_le(node->keys + 1, node->count - 1, key);
}

/* The only leaf that can hold key; NULL for an empty map. */
static struct addrmap_node *find_leaf(const struct addrmap *map, uintptr_t key)
{
    struct addrmap_node *node = map->root;

    for (unsigned level = 1; level < map->height; level++)
        node = node->slots[child_index(node, key)];
    return node;
}

static struct addrmap_node *descend(const struct addrmap *map, uintptr_t key,
                                    struct path *path)
{
    struct addrmap_node *node = map->root;
    unsigned level = 0;

    for (; level + 1 < map->height; level++) {
        path->nodes[level] = node;
        path->index[level] = child_index(node, key);
        node = node->slots[path->index[level]];
    }
    path->nodes[level] = node;
    return node;
}

static void **find_value_slot(const struct addrmap *map, uintptr_t key)
{
    struct addrmap_node *leaf = find_leaf(map, key);
    unsigned at;

    if (!leaf)
        return NULL;
    at = count_le(leaf->keys, leaf->count, key);
    if (at == 0 || leaf->keys[at - 1] != key)
        return NULL;
    return &leaf->slots[at - 1];
}

static void move_within(struct addrmap_node *node, unsigned to, unsigned from, unsigned n)
{
    memmove(node->keys + to, node->keys + from, n * sizeof node->keys[0]);
    memmove(node->slots + to, node->slots + from, n * sizeof node->slots[0]);
}

static void copy_entries(struct addrmap_node *to, unsigned to_at,
                         const struct addrmap_node *from, unsigned from_at, unsigned n)
{
    memcpy(to->keys + to_at, from->keys + from_at, n * sizeof to->keys[0]);
    memcpy(to->slots + to_at, from->slots + from_at, n * sizeof to->slots[0]);
}

static void node_insert_at(struct addrmap_node *node, unsigned at, uintptr_t key, void *slot)
{
    move_within(node, at + 1, at, node->count - at);
    node->keys[at] = key;
    node->slots[at] = slot;
    node->count++;
}

static void node_erase_at(struct addrmap_node *node, unsigned at)
{
    move_within(node, at, at + 1, node->count - at - 1);
    node->count--;
}

/*
 * Splits the full `node` with the unused `right`, linked in after it, and
 * inserts (key, slot) at position `at` of the combined entries, leaving both
 * halves at least NODE_MIN_FILL full; or, appending past the last node of
 * its level, leaves `node` all but full and starts `right` with its last
 * entry and the new one.
 */
static void node_split_insert(struct addrmap_node *node, struct addrmap_node *right,
                              unsigned at, uintptr_t key, void *slot)
{
    if (at == NODE_CAPACITY && !node->next) {
        /* Two entries, not one: an inner node then always has a sibling
         * for rebalance_child to pair an underfull child with. */
        right->count = 1;
        copy_entries(right, 0, node, NODE_CAPACITY - 1, 1);
        node->count = NODE_CAPACITY - 1;
        node_insert_at(right, 1, key, slot);
    } else {
        right->count = NODE_CAPACITY - NODE_MIN_FILL;
        copy_entries(right, 0, node, NODE_MIN_FILL, right->count);
        node->count = NODE_MIN_FILL;
        if (at <= NODE_MIN_FILL)
            node_insert_at(node, at, key, slot);
        else
            node_insert_at(right, at - NODE_MIN_FILL, key, slot);
    }

    right->prev = node;
    right->next = node->next;
    if (node->next)
        node->next->prev = right;
    node->next = right;
}

/*
 * Restores the fill of parent's underfull child at `index` with a sibling:
 * merges the two if they fit in one node with room to spare, otherwise
 * shares their entries evenly (each half then has >= NODE_CAPACITY / 2).
 */
static void rebalance_child(struct addrmap *map, struct addrmap_node *parent, unsigned index)
{
    unsigned right_index = index > 0 ? index : 1;
    struct addrmap_node *left = parent->slots[right_index - 1];
    struct addrmap_node *right = parent->slots[right_index];
    unsigned total = left->count + right->count;
    unsigned left_target = total / 2;

    if (total < NODE_CAPACITY) {
        copy_entries(left, left->count, right, 0, right->count);
        left->count = total;
        left->next = right->next;
        if (right->next)
            right->next->prev = left;
        node_free(map, right);
        node_erase_at(parent, right_index);
        return;
    }
    if (left->count > left_target) {
        unsigned moving = left->count - left_target;
        move_within(right, moving, 0, right->count);
        copy_entries(right, 0, left, left_target, moving);
    } else {
        unsigned moving = left_target - left->count;
        copy_entries(left, left->count, right, 0, moving);
        move_within(right, 0, moving, right->count - moving);
    }
    left->count = left_target;
    right->count = total - left_target;
    parent->keys[right_index] = right->keys[0];
}

int addrmap_insert(struct addrmap *map, uintptr_t key, void *value)
{
    struct path path;
    struct addrmap_node *spare[MAX_HEIGHT + 1];
    struct addrmap_node *leaf;
    unsigned at, level, needed = 0;
    uintptr_t entry_key = key;
    void *entry_slot = value;

    assert(value != NULL);
    if (!map->root) {
        leaf = node_alloc(map);
        if (!leaf)
            return -1;
        leaf->count = 0;
        leaf->prev = leaf->next = NULL;
        map->root = leaf;
        map->height = 1;
    }
    leaf = descend(map, key, &path);
    at = count_le(leaf->keys, leaf->count, key);
    assert(at == 0 || leaf->keys[at - 1] != key);

    /* Take every node the split cascade needs before changing anything, so
     * that running out of memory leaves the map exactly as it was. */
    for (level = map->height; level > 0 && path.nodes[level - 1]->count == NODE_CAPACITY; level--)
        needed++;
    if (level == 0)
        needed++; /* the root splits as well and a new root goes on top */
    for (unsigned taken = 0; taken < needed; taken++) {
        spare[taken] = node_alloc(map);
        if (!spare[taken]) {
            while (taken > 0)
                node_free(map, spare[--taken]);
            return -1;
        }
    }

    for (level = map->height - 1;; level--) {
        struct addrmap_node *node = path.nodes[level], *right;

        if (node->count < NODE_CAPACITY) {
            node_insert_at(node, at, entry_key, entry_slot);
            break;
        }
        right = spare[--needed];  /* NOLINT(clang-analyzer-core.uninitialized.Assign): the nodes counted above were all taken */
        node_split_insert(node, right, at, entry_key, entry_slot);
        entry_key = right->keys[0];
        entry_slot = right;
        if (level == 0) {
            struct addrmap_node *root = spare[--needed];

            assert(map->height < MAX_HEIGHT);
            root->count = 2;
            root->keys[0] = 0;
            root->slots[0] = node;
            root->keys[1] = entry_key;
            root->slots[1] = right;
            root->prev = root->next = NULL;
            map->root = root;
            map->height++;
            break;
        }
        at = path.index[level - 1] + 1;
    }
    map->count++;
    return 0;
}

void *addrmap_replace(struct addrmap *map, uintptr_t key, void *value)
{
    void **slot = find_value_slot(map, key);
    void *old;

    assert(value != NULL);
    if (!slot)
        return NULL;
    old = *slot;
    *slot = value;
    return old;
}

void *addrmap_remove(struct addrmap *map, uintptr_t key)
{
    struct path path;
    struct addrmap_node *leaf, *root;
    unsigned at;
    void *value;

    if (!map->root)
        return NULL;
    leaf = descend(map, key, &path);
    at = count_le(leaf->keys, leaf->count, key);
    if (at == 0 || leaf->keys[at - 1] != key)
        return NULL;
    value = leaf->slots[at - 1];
    node_erase_at(leaf, at - 1);
    map->count--;

    for (unsigned level = map->height - 1;
         level > 0 && path.nodes[level]->count < NODE_MIN_FILL; level--)
        rebalance_child(map, path.nodes[level - 1], path.index[level - 1]);  /* NOLINT(clang-analyzer-core.CallAndMessage): descend() filled every level */

    /* Merges shrink the root by at most one entry per removal. */
    root = map->root;
    if (map->height > 1 && root->count == 1) {
        map->root = root->slots[0];
        map->height--;
        node_free(map, root);
    } else if (root->count == 0) {
        map->root = NULL;
        map->height = 0;
        node_free(map, root);
    }
    return value;
}

void *addrmap_get(const struct addrmap *map, uintptr_t key)
{
    void **slot = find_value_slot(map, key);

    return slot ? *slot : NULL;
}

void *addrmap_floor(const struct addrmap *map, uintptr_t addr, uintptr_t *key_out)
{
    const struct addrmap_node *leaf = find_leaf(map, addr);
    unsigned at;

    if (!leaf)
        return NULL;
    at = count_le(leaf->keys, leaf->count, addr);
    if (at == 0) {
        /* addr lies between this leaf's first key and its separator, so
         * the floor, if any, ends the previous leaf. */
        leaf = leaf->prev;
        if (!leaf)
            return NULL;
        at = leaf->count;
    }
    if (key_out)
        *key_out = leaf->keys[at - 1];
    return leaf->slots[at - 1];
}

/* The entry at position `at` of leaf, where at == count means the first
 * entry of the next leaf. */
static void *entry_from(const struct addrmap_node *leaf, unsigned at, uintptr_t *key_out)
{
    if (at == leaf->count) {
        leaf = leaf->next;
        if (!leaf)
            return NULL;
        at = 0;
    }
    if (key_out)
        *key_out = leaf->keys[at];
    return leaf->slots[at];
}

void *addrmap_ceiling(const struct addrmap *map, uintptr_t addr, uintptr_t *key_out)
{
    const struct addrmap_node *leaf = find_leaf(map, addr);

    if (!leaf)
        return NULL;
    return entry_from(leaf, addr == 0 ? 0 : count_le(leaf->keys, leaf->count, addr - 1), key_out);
}

void *addrmap_next(const struct addrmap *map, uintptr_t key, uintptr_t *key_out)
{
    const struct addrmap_node *leaf = find_leaf(map, key);

    if (!leaf)
        return NULL;
    return entry_from(leaf, count_le(leaf->keys, leaf->count, key), key_out);
}

size_t addrmap_count(const struct addrmap *map)
{
    return map->count;
}

void addrmap_clear(struct addrmap *map)
{
    struct addrmap_node *level_head = map->root;

    for (unsigned level = map->height; level > 0; level--) {
        struct addrmap_node *below = level > 1 ? level_head->slots[0] : NULL;
        struct addrmap_node *node = level_head, *next;

        for (; node; node = next) {
            next = node->next;
            node_free(map, node);
        }
        level_head = below;
    }
    map->root = NULL;
    map->height = 0;
    map->count = 0;
}

size_t addrmap_pool_bytes(const struct addrmap *map)
{
    return map->pool_bytes;
}

struct validation {
    const struct addrmap_node *last_at_level[MAX_HEIGHT];
    size_t entries;
};

/* Checks the subtree at `node`, whose keys must lie in [min, max]. */
static int validate_node(const struct addrmap_node *node, unsigned level, unsigned height,
                         uintptr_t min, uintptr_t max, struct validation *seen)
{
    const struct addrmap_node *before = seen->last_at_level[level];
    unsigned least = level == 0 ? (height > 1 ? 2 : 1) : node->next ? NODE_MIN_FILL : 2;

    if (node->count < least || node->count > NODE_CAPACITY)
        return 0;
    if (node->prev != before || (before && before->next != node))
        return 0;
    seen->last_at_level[level] = node;
    for (unsigned i = 0; i < node->count; i++) {
        if (node->keys[i] < min || node->keys[i] > max || node->slots[i] == NULL)
            return 0;
        if (i > 0 && node->keys[i] <= node->keys[i - 1])
            return 0;
    }
    if (level + 1 == height) {
        seen->entries += node->count;
        return 1;
    }
    if (node->keys[0] != min)
        return 0;
    for (unsigned i = 0; i < node->count; i++) {
        uintptr_t child_max = i + 1 < node->count ? node->keys[i + 1] - 1 : max;

        if (!validate_node(node->slots[i], level + 1, height, node->keys[i], child_max, seen))
            return 0;
    }
    return 1;
}

int addrmap_validate(const struct addrmap *map)
{
    struct validation seen = {0};

    if (!map->root)
        return map->height == 0 && map->count == 0;
    if (map->height == 0 || map->height > MAX_HEIGHT)
        return 0;
    if (!validate_node(map->root, 0, map->height, 0, UINTPTR_MAX, &seen))
        return 0;
    for (unsigned level = 0; level < map->height; level++)
        if (seen.last_at_level[level]->next)
            return 0;
    return seen.entries == map->count;
}
