/* Conformance: HeapCreate/Destroy, HeapAlloc/ReAlloc/Free/Size,
 * HeapValidate, HeapWalk, HeapQuery/SetInformation, HeapLock, HeapCompact,
 * GetProcessHeap(s) (windows-behaviour.md sections H-N). */
#include "conformance.h"

#define PTR ((SIZE_T)sizeof(void *))
#define ALLOC_SIZE (0x8000 * PTR)

static char not_a_block[64];

static DWORD heap_count(void)
{
    return GetProcessHeaps(0, NULL);
}

static void create_destroy(void)
{
    HANDLE heaps[64], heap, second;
    DWORD before = heap_count(), count;

    heading("HeapCreate, HeapDestroy, GetProcessHeaps");
    heap = TRY(HeapCreate(0, 0, 0));
    handle_is("create growable", heap);
    yes_no("create growable 64K aligned", ((ULONG_PTR)heap & 0xffff) == 0);
    second = TRY(HeapCreate(0, 0x10000, 0x10000));
    handle_is("create fixed", second);
    yes_no("create fixed 64K aligned", ((ULONG_PTR)second & 0xffff) == 0);
    count = TRY(GetProcessHeaps(0, NULL));
    num_is("heaps counted after two creates minus before", count - before);
    count = TRY(GetProcessHeaps(64, heaps));
    num_is("heaps listed minus before", count - before);
    yes_no("first listed is the process heap", heaps[0] == GetProcessHeap());
    yes_no("newest heap listed last", count >= 2 && heaps[count - 1] == second);
    yes_no("previous heap listed before it", count >= 2 && heaps[count - 2] == heap);
    count = TRY(GetProcessHeaps(1, heaps));
    num_is("heaps count with short array minus before", count - before);
    bool_is("destroy growable", TRY(HeapDestroy(heap)));
    bool_is("destroy fixed", TRY(HeapDestroy(second)));
    num_is("heaps after destroy minus before", heap_count() - before);
    bool_is("destroy process heap", TRY(HeapDestroy(GetProcessHeap())));
    handle_is("process heap", TRY(GetProcessHeap()));
    bool_is("validate process heap", TRY(HeapValidate(GetProcessHeap(), 0, NULL)));
}

static void sizes(void)
{
    HANDLE heap = GetProcessHeap();
    static const SIZE_T big[] = { 1, ALLOC_SIZE, 0x100000, 3000 * 1024 + 37 };
    unsigned i, inexact = 0, misaligned = 0, half_aligned = 0;
    char *p;

    heading("HeapAlloc and HeapSize");
    p = TRY(HeapAlloc(heap, 0, 0));
    ptr_is("alloc 0", p, NULL);
    num_is("alloc 0 size", TRY(HeapSize(heap, 0, p)));
    HeapFree(heap, 0, p);
    for (i = 0; i <= 256; i++) {
        p = HeapAlloc(heap, 0, i);
        if (HeapSize(heap, 0, p) != i)
            inexact++;
        if ((ULONG_PTR)p % (2 * PTR))
            misaligned++;
        if ((ULONG_PTR)p % (4 * PTR))
            half_aligned++;
        HeapFree(heap, 0, p);
    }
    fact("sizes 0..256 inexact", "%u", inexact);
    fact("sizes 0..256 not 2*ptr aligned", "%u", misaligned);
    for (i = 0; i < sizeof big / sizeof big[0]; i++) {
        unsigned nonzero = 0;
        SIZE_T j;

        p = TRY(HeapAlloc(heap, HEAP_ZERO_MEMORY, big[i]));
        ptr_is(named("alloc zeroed 0x%lx", (unsigned long)big[i]), p, NULL);
        num_is(named("alloc zeroed 0x%lx size", (unsigned long)big[i]), TRY(HeapSize(heap, 0, p)));
        for (j = 0; p && j < big[i]; j++)
            nonzero += p[j] != 0;
        fact(named("alloc zeroed 0x%lx nonzero bytes", (unsigned long)big[i]), "%u", nonzero);
        yes_no(named("alloc zeroed 0x%lx 16-byte aligned", (unsigned long)big[i]), ((ULONG_PTR)p & 15) == 0);
        HeapFree(heap, 0, p);
    }
    p = TRY(HeapAlloc(heap, 0, 4 * ALLOC_SIZE));
    yes_no("large block aligned to 8*ptr", ((ULONG_PTR)p % (8 * PTR)) == 0);
    HeapFree(heap, 0, p);
    ptr_is("alloc ~0", TRY(HeapAlloc(heap, 0, ~(SIZE_T)0)), NULL);
    ptr_is("alloc ~0 - 0x1000", TRY(HeapAlloc(heap, 0, ~(SIZE_T)0 - 0x1000)), NULL);
    ptr_is("alloc 1<<62", TRY(HeapAlloc(heap, 0, (SIZE_T)1 << 62)), NULL);
}

static void free_and_validate(void)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char *p, *q;

    heading("HeapFree, HeapValidate, HeapSize errors");
    bool_is("free NULL", TRY(HeapFree(heap, 0, NULL)));
    bool_is("free NULL on process heap", TRY(HeapFree(GetProcessHeap(), 0, NULL)));
    bool_is("validate heap", TRY(HeapValidate(heap, 0, NULL)));
    p = HeapAlloc(heap, 0, 100);
    q = HeapAlloc(heap, 0, 100);
    bool_is("validate block", TRY(HeapValidate(heap, 0, p)));
    bool_is("validate static buffer", TRY(HeapValidate(heap, 0, not_a_block + 16)));
    bool_is("validate inside a block", TRY(HeapValidate(heap, 0, p + 8)));
    bool_is("free block", TRY(HeapFree(heap, 0, p)));
    bool_is("validate freed block", TRY(HeapValidate(heap, 0, p)));
    num_is("size of static buffer", TRY(HeapSize(heap, 0, not_a_block + 16)));
    bool_is("free with HEAP_NO_SERIALIZE", TRY(HeapFree(heap, HEAP_NO_SERIALIZE, q)));
    bool_is("validate heap after frees", TRY(HeapValidate(heap, 0, NULL)));
    HeapDestroy(heap);
}

static void reallocation(void)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char *p, *q;
    SIZE_T i;
    unsigned nonzero;

    heading("HeapReAlloc");
    SetLastError(1234);
    ptr_is("realloc NULL", HeapReAlloc(heap, 0, NULL, 10), NULL);
    p = HeapAlloc(heap, 0, 16);
    memset(p, 'x', 16);
    ptr_is("realloc ~0-7", TRY(HeapReAlloc(heap, 0, p, ~(SIZE_T)0 - 7)), NULL);
    ptr_is("realloc ~0", TRY(HeapReAlloc(heap, 0, p, ~(SIZE_T)0)), NULL);
    bool_is("block valid after failed realloc", TRY(HeapValidate(heap, 0, p)));
    p = HeapReAlloc(heap, 0, p, 1);
    q = TRY(HeapReAlloc(heap, 0, p, 0));
    ptr_is("realloc to 0", q, NULL);
    num_is("realloc to 0 size", TRY(HeapSize(heap, 0, q)));
    p = HeapAlloc(heap, 0, 100);
    memset(p, 'y', 100);
    q = TRY(HeapReAlloc(heap, 0, p, 100000));
    ptr_is("realloc grow", q, NULL);
    yes_no("realloc grow keeps contents", q && q[0] == 'y' && q[99] == 'y');
    num_is("realloc grow size", HeapSize(heap, 0, q));
    p = TRY(HeapReAlloc(heap, 0, q, 10));
    ptr_is("realloc shrink", p, q);
    num_is("realloc shrink size", HeapSize(heap, 0, p));
    HeapFree(heap, 0, p);

    p = HeapAlloc(heap, 0, ALLOC_SIZE);
    memset(p, 'z', ALLOC_SIZE);
    q = TRY(HeapReAlloc(heap, HEAP_ZERO_MEMORY, p, 3 * ALLOC_SIZE));
    ptr_is("realloc zero grow", q, NULL);
    for (i = ALLOC_SIZE, nonzero = 0; q && i < 3 * ALLOC_SIZE; i++)
        nonzero += q[i] != 0;
    fact("realloc zero grow nonzero added bytes", "%u", nonzero);
    yes_no("realloc zero grow keeps contents", q && q[ALLOC_SIZE - 1] == 'z');
    num_is("realloc zero grow size", HeapSize(heap, 0, q));
    p = TRY(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, q, ALLOC_SIZE * 3 / 2));
    ptr_is("in place shrink", p, q);
    p = TRY(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, q, 2 * ALLOC_SIZE));
    ptr_is("in place grow back", p, q);
    num_is("in place grow back size", HeapSize(heap, 0, q));
    HeapFree(heap, 0, q);

    p = HeapAlloc(heap, 0, 0x100000);
    q = TRY(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, p, ALLOC_SIZE * 3 / 2));
    ptr_is("large in place shrink", q, p);
    q = TRY(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, p, 2 * ALLOC_SIZE));
    ptr_is("large in place grow back", q, p);
    HeapFree(heap, 0, p);

    p = HeapAlloc(heap, 0, 32);
    q = HeapAlloc(heap, 0, 32);
    ptr_is("in place grow into neighbour", TRY(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, p, 4000)), p);
    bool_is("validate after in place failure", TRY(HeapValidate(heap, 0, NULL)));
    HeapFree(heap, 0, p);
    HeapFree(heap, 0, q);
    HeapDestroy(heap);
}

static void fixed_heaps(void)
{
    HANDLE heap = HeapCreate(0, ALLOC_SIZE, ALLOC_SIZE);
    char *p, *q;

    heading("fixed-size heaps");
    p = TRY(HeapAlloc(heap, 0, ALLOC_SIZE - (0x400 + 0x100 * PTR)));
    ptr_is("fixed largest block", p, NULL);
    num_is("fixed largest block size", HeapSize(heap, 0, p));
    HeapFree(heap, 0, p);
    ptr_is("fixed too large block", TRY(HeapAlloc(heap, 0, ALLOC_SIZE - (0x200 + 0x80 * PTR))), NULL);
    HeapDestroy(heap);

    heap = HeapCreate(0, 8 * ALLOC_SIZE, 8 * ALLOC_SIZE);
    p = TRY(HeapAlloc(heap, 0, 0));
    ptr_is("fixed alloc 0", p, NULL);
    num_is("fixed alloc 0 size", HeapSize(heap, 0, p));
    HeapFree(heap, 0, p);
    ptr_is("fixed large block", TRY(HeapAlloc(heap, 0, 4 * ALLOC_SIZE)), NULL);
    p = TRY(HeapAlloc(heap, HEAP_ZERO_MEMORY, ALLOC_SIZE));
    ptr_is("fixed alloc_size zeroed", p, NULL);
    ptr_is("fixed large block beside another", TRY(HeapAlloc(heap, 0, 4 * ALLOC_SIZE)), NULL);
    q = TRY(HeapReAlloc(heap, HEAP_ZERO_MEMORY, p, 2 * ALLOC_SIZE));
    ptr_is("fixed realloc zero 2x", q, NULL);
    ptr_is("fixed in place shrink", TRY(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, q, ALLOC_SIZE * 3 / 2)), q);
    ptr_is("fixed in place grow back", TRY(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, q, 2 * ALLOC_SIZE)), q);
    HeapDestroy(heap);

    heap = HeapCreate(0, 20 * 0x1000, 50 * 0x1000);
    ptr_is("max+1 block", TRY(HeapAlloc(heap, 0, 50 * 0x1000 + 1)), NULL);
    ptr_is("max block", TRY(HeapAlloc(heap, 0, 50 * 0x1000)), NULL);
    ptr_is("memchunk block", TRY(HeapAlloc(heap, 0, 10 * 0x1000)), NULL);
    HeapDestroy(heap);
}

static unsigned walk(HANDLE heap, PROCESS_HEAP_ENTRY *entries, unsigned max)
{
    PROCESS_HEAP_ENTRY entry;
    unsigned count = 0;

    memset(&entry, 0, sizeof entry);
    entry.lpData = NULL;
    while (HeapWalk(heap, &entry)) {
        if (count < max)
            entries[count] = entry;
        count++;
    }
    return count;
}

static void show_walk(const char *label, HANDLE heap, const char *block)
{
    PROCESS_HEAP_ENTRY entries[16];
    unsigned count, i;
    DWORD error;

    SetLastError(UNTOUCHED);
    count = walk(heap, entries, 16);
    error = GetLastError();
    emit(named("%s walk count", label), error, "%u", count);
    for (i = 0; i < count && i < 16; i++) {
        const PROCESS_HEAP_ENTRY *e = &entries[i];

        fact(named("%s entry %u", label, i), "flags=0x%x overhead=%s region=%u data=%s", e->wFlags,
             e->cbOverhead ? (e->cbOverhead == 4 * PTR ? "4*ptr" : "other") : "0", e->iRegionIndex,
             e->lpData == heap ? "heap" : e->lpData == block ? "block" : e->lpData ? "other" : "NULL");
    }
    if (count >= 3 && (entries[0].wFlags & PROCESS_HEAP_REGION)) {
        yes_no(named("%s region spans 64K", label),
               entries[0].Region.dwCommittedSize + entries[0].Region.dwUnCommittedSize == 0x10000);
        yes_no(named("%s uncommitted range after the free block", label),
               (char *)entries[2].lpData == (char *)entries[1].lpData + entries[1].cbData + 2 * entries[1].cbOverhead);
        yes_no(named("%s uncommitted range at committed end", label),
               (char *)entries[2].lpData == (char *)heap + entries[0].Region.dwCommittedSize);
    }
}

static void walking(void)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    PROCESS_HEAP_ENTRY entry;
    char *big, *small;

    heading("HeapWalk");
    show_walk("empty", heap, NULL);
    big = HeapAlloc(heap, 0, 5 * ALLOC_SIZE);
    show_walk("large", heap, big);
    {
        PROCESS_HEAP_ENTRY entries[8];
        unsigned count = walk(heap, entries, 8), i, exact = 0;

        for (i = 0; i < count && i < 8; i++)
            exact += entries[i].lpData == big && entries[i].cbData == 5 * ALLOC_SIZE;
        yes_no("large entry exact size", exact == 1);
    }
    HeapFree(heap, 0, big);
    show_walk("large freed", heap, NULL);
    small = HeapAlloc(heap, 0, 123);
    show_walk("small", heap, small);
    {
        PROCESS_HEAP_ENTRY entries[8];
        unsigned count = walk(heap, entries, 8);

        yes_no("small entry exact size", count >= 2 && entries[1].cbData == 123);
    }
    HeapFree(heap, 0, small);
    memset(&entry, 0, sizeof entry);
    bool_is("walk NULL entry pointer data", TRY(HeapWalk(heap, &entry)));
    HeapDestroy(heap);
}

static void information(void)
{
    HANDLE heap = HeapCreate(0, 0, 0), unserialized = HeapCreate(HEAP_NO_SERIALIZE, 0, 0);
    ULONG value = 0xdead;
    SIZE_T size = 0;
    unsigned i;
    void *p;
    char buffer[8];

    heading("HeapQueryInformation, HeapSetInformation");
    bool_is("query NULL heap", TRY(HeapQueryInformation(NULL, HeapCompatibilityInformation, &value, sizeof value, &size)));
    num_is("query NULL heap size", size);
    bool_is("query no buffer", TRY(HeapQueryInformation(heap, HeapCompatibilityInformation, NULL, 0, &size)));
    num_is("query no buffer size", size);
    bool_is("query no buffer no size", TRY(HeapQueryInformation(heap, HeapCompatibilityInformation, NULL, 0, NULL)));
    size = 0;
    bool_is("query 5 bytes", TRY(HeapQueryInformation(heap, HeapCompatibilityInformation, buffer, 5, &size)));
    num_is("query 5 bytes size", size);
    bool_is("query", TRY(HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof value, NULL)));
    num_is("new heap compatibility", value);
    value = 2;
    bool_is("set LFH", TRY(HeapSetInformation(heap, HeapCompatibilityInformation, &value, sizeof value)));
    HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof value, NULL);
    num_is("after set LFH", value);
    value = 0;
    bool_is("set standard after LFH", TRY(HeapSetInformation(heap, HeapCompatibilityInformation, &value, sizeof value)));
    value = 1;
    bool_is("set lookaside after LFH", TRY(HeapSetInformation(heap, HeapCompatibilityInformation, &value, sizeof value)));
    HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof value, NULL);
    num_is("still LFH", value);
    value = 2;
    bool_is("set LFH on no-serialize heap", TRY(HeapSetInformation(unserialized, HeapCompatibilityInformation, &value, sizeof value)));
    HeapQueryInformation(unserialized, HeapCompatibilityInformation, &value, sizeof value, NULL);
    num_is("no-serialize heap compatibility", value);
    bool_is("enable termination on corruption", TRY(HeapSetInformation(NULL, HeapEnableTerminationOnCorruption, NULL, 0)));
    HeapDestroy(heap);

    heap = HeapCreate(0, 0, 0);
    for (i = 0; i < 0x12; i++) {
        p = HeapAlloc(heap, 0, 0);
        HeapFree(heap, 0, p);
    }
    HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof value, NULL);
    num_is("compatibility after 18 alloc/free of 0", value);
    bool_is("lock", TRY(HeapLock(heap)));
    bool_is("unlock", TRY(HeapUnlock(heap)));
    bool_is("lock no-serialize heap", TRY(HeapLock(unserialized)));
    bool_is("unlock no-serialize heap", TRY(HeapUnlock(unserialized)));
    yes_no("compact returns nonzero", TRY(HeapCompact(heap, 0)) != 0);
    HeapDestroy(heap);
    HeapDestroy(unserialized);
}

int main(void)
{
    create_destroy();
    sizes();
    free_and_validate();
    reallocation();
    fixed_heaps();
    walking();
    information();
    return 0;
}
