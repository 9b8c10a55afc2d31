/* CreateFileMapping, OpenFileMapping, MapViewOfFile(Ex), UnmapViewOfFile and
 * FlushViewOfFile.
 *
 * A section is one file: for the page file, a memfd (the namespace's object
 * when named) holding the pages, after the commit state (its generation and
 * bitmap) of a SEC_RESERVE section; for a SEC_IMAGE section, a memfd
 * holding the image's layout (image.h) and the laid-out image, which views
 * map copy-on-write; for a file, the mapped file itself, plus (when named)
 * a namespace object whose memfd is empty.
 * A named section's description (the namespace header, then struct
 * section_info) is what another process needs to open it by name, and
 * comes with the namespace's answer; the bitmap is how a commit in one view
 * reaches every view of the section in every process.
 *
 * Per process, a section is a struct section referenced by the handle-table
 * objects (struct mapping) and by its views.  For a named section the
 * process keeps one struct mapping per name, shared by all its handles to
 * it: that object's life is "this process has a handle", so its destruction
 * is the moment to give up the name (namespace.h has the protocol).  Views
 * are allocations of the address-space map whose owner is a struct view. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fork.h"
#include "compat.h"
#include "error.h"
#include "exception.h"
#include "file.h"
#include "handle.h"
#include "image.h"
#include "mapping.h"
#include "namespace.h"
#include "region.h"
#include "sysinfo.h"
#include "wide.h"
#include "inject.h"

#define BACKING_PAGEFILE 0
#define BACKING_FILE     1
#define BACKING_IMAGE    2    /* SEC_IMAGE: the laid-out image, in the section's memfd */

#define SEC_FLAGS (SEC_PARTITION_OWNER_HANDLE | SEC_64K_PAGES | SEC_FILE | SEC_IMAGE | SEC_PROTECTED_IMAGE | \
                   SEC_RESERVE | SEC_COMMIT | SEC_NOCACHE | SEC_WRITECOMBINE | SEC_LARGE_PAGES)

/* What a process needs to know about a section: its description, after
 * the namespace header.  A SEC_RESERVE section's file keeps the live
 * generation at the same place. */
struct section_info {
    uint32_t backing;
    uint32_t protect;           /* the PAGE_* it was created with */
    uint32_t attributes;        /* SEC_COMMIT or SEC_RESERVE; SEC_FILE for files; SEC_NOCACHE */
    uint32_t unused;
    uint64_t size;              /* bytes: exact for files, whole pages for the page file */
    uint64_t data_offset;       /* where the pages start in a SEC_RESERVE or image section's file */
    uint64_t bitmap_offset;     /* SEC_RESERVE: one bit per page, set when committed */
    uint64_t generation;        /* atomic: counts commits, so views know when to look */
    uint64_t file_device, file_inode;
    char file_path[PATH_MAX];   /* a file section's file, for processes that open it by name */
};

#define INFO_OFFSET NS_DATA_OFFSET
#define IMAGE_LAYOUT_OFFSET ((INFO_OFFSET + sizeof(struct section_info) + 63) & ~(size_t)63)
_Static_assert(INFO_OFFSET + sizeof(struct section_info) <= NS_DESCRIPTION_BYTES, "a description fits an answer");

struct section {
    long refcount;              /* atomic: mapping objects and views */
    struct section_info info;   /* the fixed part, copied */
    int fd;                     /* the section's own file; -1 for an unnamed file section */
    int data_fd;                /* what views map */
    struct file_object *file;   /* the CreateFile object, when this process made the section from one */
    char *shared;               /* SEC_RESERVE: [0, data_offset) mapped, for the bitmap and generation */
    struct image_layout *image; /* SEC_IMAGE: how views are protected */
    void *image_bytes;          /* SEC_IMAGE, until published: the laid-out image */
    BOOL named;
    struct ns_entry entry;
};

struct mapping {
    struct object header;
    struct section *section;
    BOOL holds_name;            /* this process's name holder (guarded by registry_lock) */
    struct mapping *next;       /* in the registry of named mappings */
};

struct view {
    struct section *section;
    uint64_t offset;            /* in the section */
    DWORD protect;              /* the view's AllocationProtect */
    BOOL private_pages;         /* some pages are copy-on-write */
    uint64_t generation;        /* the section's generation last seen */
};

static void destroy_mapping(struct object *object);

static const struct object_type mapping_type = {
    .name = "Section",
    .generic_read = STANDARD_RIGHTS_READ | SECTION_QUERY | SECTION_MAP_READ,
    .generic_write = STANDARD_RIGHTS_WRITE | SECTION_MAP_WRITE,
    .generic_execute = STANDARD_RIGHTS_EXECUTE | SECTION_MAP_EXECUTE,
    .all_access = SECTION_ALL_ACCESS | SECTION_MAP_EXECUTE_EXPLICIT,
    .destroy = destroy_mapping,
};

/* The named mappings this process holds a handle to. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping *registry;

static size_t page_size(void)
{
    return address_space()->page_size;
}

/* --- Protections ------------------------------------------------------ */

#define ACCESS_R 1u
#define ACCESS_W 2u
#define ACCESS_X 4u

/* What a PAGE_* value lets a program do; copy-on-write counts as reading. */
static unsigned access_of(DWORD protect)
{
    switch (protect & 0xff) {
    case PAGE_READONLY: case PAGE_WRITECOPY:          return ACCESS_R;
    case PAGE_READWRITE:                              return ACCESS_R | ACCESS_W;
    case PAGE_EXECUTE:                                return ACCESS_X;
    case PAGE_EXECUTE_READ: case PAGE_EXECUTE_WRITECOPY: return ACCESS_R | ACCESS_X;
    case PAGE_EXECUTE_READWRITE:                      return ACCESS_R | ACCESS_W | ACCESS_X;
    default:                                          return 0;
    }
}

static BOOL is_writecopy(DWORD protect)
{
    return (protect & 0xff) == PAGE_WRITECOPY || (protect & 0xff) == PAGE_EXECUTE_WRITECOPY;
}

/* What a view may be given by VirtualProtect or VirtualAlloc: a copy view's
 * pages may become private writable pages. */
static unsigned view_access(DWORD view_protect)
{
    return access_of(view_protect) | (is_writecopy(view_protect) ? ACCESS_W : 0);
}

static BOOL single_protection(DWORD protect)
{
    switch (protect) {
    case PAGE_NOACCESS: case PAGE_READONLY: case PAGE_READWRITE: case PAGE_WRITECOPY:
    case PAGE_EXECUTE: case PAGE_EXECUTE_READ: case PAGE_EXECUTE_READWRITE: case PAGE_EXECUTE_WRITECOPY:
        return TRUE;
    default:
        return FALSE;
    }
}

/* --- Sections ----------------------------------------------------------- */

static void section_unref(struct section *section)
{
    if (__atomic_sub_fetch(&section->refcount, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    if (section->shared)
        munmap(section->shared, section->info.data_offset);
    if (section->data_fd >= 0 && section->data_fd != section->fd && !section->file)
        close(section->data_fd);
    if (section->fd >= 0)
        close(section->fd);
    free(section->image);
    free(section->image_bytes);
    if (section->file) {
        __atomic_sub_fetch(&section->file->mappings, 1, __ATOMIC_ACQ_REL);
        object_unref(&section->file->header);
    }
    free(section);
}

static uint64_t *section_bitmap(const struct section *section)
{
    return (uint64_t *)(section->shared + section->info.bitmap_offset);
}

static uint64_t *section_generation(const struct section *section)
{
    return &((struct section_info *)(section->shared + INFO_OFFSET))->generation;
}

static BOOL section_reserves(const struct section *section)
{
    return section->shared != NULL;
}

/* Maps the header of a SEC_RESERVE section, where its commit state lives. */
static BOOL map_shared_header(struct section *section)
{
    if (section->info.backing != BACKING_PAGEFILE || !(section->info.attributes & SEC_RESERVE))
        return TRUE;
    void *shared = mmap(NULL, section->info.data_offset, PROT_READ | PROT_WRITE, MAP_SHARED, section->fd, 0);
    if (shared == MAP_FAILED)
        return failure_from_errno();
    section->shared = shared;
    return TRUE;
}

/* Where a new page-file section's pages start in its file: a SEC_COMMIT
 * section's file is its pages alone, since its description travels with
 * the name; a SEC_RESERVE section's pages follow its commit state. */
static void pagefile_layout(struct section_info *info)
{
    if (!(info->attributes & SEC_RESERVE))
        return;
    uint64_t pages = info->size / page_size();
    info->bitmap_offset = (INFO_OFFSET + sizeof(*info) + 63) & ~(uint64_t)63;
    info->data_offset = page_up(info->bitmap_offset + (pages + 63) / 64 * 8);
}

/* A section for an existing named object, from what its file says. */
static struct section *section_from_object(const struct ns_entry *entry)
{
    struct section *section = calloc(1, sizeof(*section));
    if (!section) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    section->refcount = 1;
    section->named = TRUE;
    section->entry = *entry;
    section->fd = entry->fd;
    section->data_fd = entry->fd;
    /* The description ends with the file path's NUL; the rest of the
     * calloc'ed info stays zero. */
    size_t fixed = INFO_OFFSET + offsetof(struct section_info, file_path);
    if (entry->description_size <= fixed) {
        free(section);
        failure(ERROR_INVALID_HANDLE);
        return NULL;
    }
    size_t info_bytes = entry->description_size - INFO_OFFSET;
    memcpy(&section->info, (const char *)entry->description + INFO_OFFSET,
           info_bytes < sizeof(section->info) ? info_bytes : sizeof(section->info));
    section->info.file_path[PATH_MAX - 1] = '\0';
    DWORD error = ERROR_SUCCESS;
    if (section->info.backing == BACKING_FILE) {
        /* Reopen the creator's file, and make sure it is still that file. */
        BOOL writable = access_of(section->info.protect) & ACCESS_W;
        int fd = open(section->info.file_path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 || st.st_dev != section->info.file_device ||
            st.st_ino != section->info.file_inode) {
            error = fd < 0 && errno == EACCES ? ERROR_ACCESS_DENIED : ERROR_FILE_NOT_FOUND;
            if (fd >= 0)
                close(fd);
        } else {
            section->data_fd = fd;
        }
    } else if (section->info.backing == BACKING_IMAGE) {
        section->image = malloc(sizeof(*section->image));
        if (!section->image || pread(entry->fd, section->image, sizeof(*section->image), IMAGE_LAYOUT_OFFSET) !=
                                   (ssize_t)sizeof(*section->image))
            error = ERROR_INVALID_HANDLE;
    } else if (!map_shared_header(section)) {
        error = GetLastError();
    }
    if (error) {
        free(section->image);
        free(section);
        failure(error);
        return NULL;
    }
    return section;
}

static HANDLE new_handle(struct mapping *mapping, ACCESS_MASK access, BOOL inherit)
{
    return handle_create(&mapping->header, access, inherit ? HANDLE_FLAG_INHERIT : 0);
}

static struct mapping *new_mapping(struct section *section)
{
    struct mapping *mapping = calloc(1, sizeof(*mapping));
    if (!mapping) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    object_init(&mapping->header, &mapping_type);
    mapping->section = section;
    return mapping;
}

/* This process's live holder of a name, with a new reference; called with
 * registry_lock held.  A holder whose last reference is already going is
 * skipped: the caller then opens the name afresh. */
static struct mapping *registry_find(const char *key)
{
    for (struct mapping *mapping = registry; mapping; mapping = mapping->next) {
        if (strcmp(mapping->section->entry.key, key) != 0)
            continue;
        long count = __atomic_load_n(&mapping->header.refcount, __ATOMIC_RELAXED);
        while (count > 0) {
            if (__atomic_compare_exchange_n(&mapping->header.refcount, &count, count + 1, FALSE,
                                            __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                return mapping;
        }
    }
    return NULL;
}

static void registry_remove(struct mapping *mapping)
{
    for (struct mapping **link = &registry; *link; link = &(*link)->next) {
        if (*link == mapping) {
            *link = mapping->next;
            return;
        }
    }
}

/* Gives up this process's hold on a section's name.  With no view left
 * (views hold the section) and no header mapped, nothing else refers to the
 * name's open file description, so closing it drops the lock. */
static void release_name(struct section *section)
{
    if (__atomic_load_n(&section->refcount, __ATOMIC_ACQUIRE) != 1 || section->shared) {
        ns_release(&section->entry);
        return;
    }
    if (section->data_fd == section->fd)
        section->data_fd = -1;
    section->fd = -1;
    ns_release_and_close(&section->entry);
}

static void destroy_mapping(struct object *object)
{
    struct mapping *mapping = (struct mapping *)object;
    pthread_mutex_lock(&registry_lock);
    if (mapping->holds_name) {
        registry_remove(mapping);
        release_name(mapping->section);
        mapping->holds_name = FALSE;
    }
    pthread_mutex_unlock(&registry_lock);
    section_unref(mapping->section);
    free(mapping);
}

/* Gives up every name at a normal exit, as Windows closes every handle. */
__attribute__((destructor)) static void release_names_at_exit(void)
{
    pthread_mutex_lock(&registry_lock);
    for (struct mapping *mapping = registry; mapping; mapping = mapping->next) {
        if (mapping->holds_name)
            ns_release(&mapping->section->entry);
        mapping->holds_name = FALSE;
    }
    registry = NULL;
    pthread_mutex_unlock(&registry_lock);
}

/* A forked child has no handles (Windows handles are inherited only by
 * request, and never by fork): it holds no names (namespace.c closes its
 * copies of the name sockets). */
void mapping_registry_fork_prepare(void) { pthread_mutex_lock(&registry_lock); }
void mapping_registry_fork_parent(void)  { pthread_mutex_unlock(&registry_lock); }
void mapping_registry_fork_child(void)
{
    for (struct mapping *mapping = registry; mapping; mapping = mapping->next)
        mapping->holds_name = FALSE;
    registry = NULL;
    pthread_mutex_unlock(&registry_lock);
}

/* --- CreateFileMapping ---------------------------------------------------- */

/* Fact 122's table, and fact 115's protections. */
static BOOL valid_section_flags(DWORD protect, DWORD *base_out, DWORD *sec_out)
{
    DWORD sec = protect & SEC_FLAGS, base = protect & ~(DWORD)SEC_FLAGS;
    *base_out = base;
    *sec_out = sec;
    switch (base) {
    case PAGE_READONLY: case PAGE_READWRITE: case PAGE_WRITECOPY:
    case PAGE_EXECUTE_READ: case PAGE_EXECUTE_READWRITE: case PAGE_EXECUTE_WRITECOPY:
        break;
    default:
        return FALSE;
    }
    if (sec & (SEC_FILE | SEC_PARTITION_OWNER_HANDLE | SEC_64K_PAGES | SEC_PROTECTED_IMAGE | SEC_LARGE_PAGES))
        return FALSE;
    if ((sec & (SEC_RESERVE | SEC_COMMIT)) == (SEC_RESERVE | SEC_COMMIT))
        return FALSE;
    if ((sec & SEC_IMAGE) && (sec & (SEC_RESERVE | SEC_COMMIT | SEC_WRITECOMBINE)))
        return FALSE;
    if ((sec & (SEC_NOCACHE | SEC_WRITECOMBINE)) && !(sec & (SEC_RESERVE | SEC_COMMIT | SEC_IMAGE)))
        return FALSE;
    return TRUE;
}

/* Whether a file handle's access allows a section protection (fact 121). */
static BOOL file_allows(ACCESS_MASK access, DWORD base)
{
    unsigned needed = access_of(base);
    if ((needed & ACCESS_R) && !(access & FILE_READ_DATA))
        return FALSE;
    if ((needed & ACCESS_W) && !(access & FILE_WRITE_DATA))
        return FALSE;
    if ((needed & ACCESS_X) && !(access & FILE_EXECUTE))
        return FALSE;
    return TRUE;
}

/* A SEC_IMAGE section over a CreateFile object, whose reference it takes
 * over; or NULL with the last error set. */
static struct section *image_section(struct file_object *file, const struct stat *st)
{
    struct section *section = calloc(1, sizeof(*section));
    struct image_layout *layout = section ? malloc(sizeof(*layout)) : NULL;
    void *bytes = layout ? image_load(file->fd, (uint64_t)st->st_size, page_size(), layout) : NULL;
    if (!bytes) {
        DWORD error = layout ? GetLastError() : ERROR_NOT_ENOUGH_MEMORY;
        free(layout);
        free(section);
        object_unref(&file->header);
        failure(error);
        return NULL;
    }
    section->refcount = 1;
    section->fd = section->data_fd = -1;
    section->file = file;
    __atomic_add_fetch(&file->mappings, 1, __ATOMIC_ACQ_REL);
    section->image = layout;
    section->image_bytes = bytes;
    section->info = (struct section_info){
        .backing = BACKING_IMAGE, .protect = PAGE_EXECUTE_WRITECOPY,
        .attributes = SEC_FILE | SEC_IMAGE, .size = layout->size,
        .data_offset = page_up(IMAGE_LAYOUT_OFFSET + sizeof(*layout)),
        .file_device = st->st_dev, .file_inode = st->st_ino,
    };
    return section;
}

/* A new section over a CreateFile object, or NULL with the last error set. */
static struct section *file_section(HANDLE handle, DWORD base, DWORD sec, uint64_t size)
{
    ACCESS_MASK access;
    struct file_object *file = file_lookup(handle, &access);
    if (!file)
        return NULL;
    struct stat st;
    DWORD error = ERROR_SUCCESS;
    if (!file_allows(access, base))
        error = ERROR_ACCESS_DENIED;
    else if (fstat(file->fd, &st) != 0)
        error = error_from_errno(errno);
    else if (sec & SEC_IMAGE)
        return image_section(file, &st);
    else if (size == 0 && st.st_size == 0)
        error = ERROR_FILE_INVALID;
    else if (size > (uint64_t)st.st_size && !(access_of(base) & ACCESS_W))
        error = ERROR_NOT_ENOUGH_MEMORY;    /* a read-only section cannot grow its file */
    else if (size > (uint64_t)st.st_size && ftruncate(file->fd, (off_t)size) != 0)
        error = errno == EFBIG || errno == ENOSPC ? ERROR_DISK_FULL : error_from_errno(errno);
    struct section *section = error ? NULL : calloc(1, sizeof(*section));
    if (!error && !section)
        error = ERROR_NOT_ENOUGH_MEMORY;
    if (error) {
        free(section);
        object_unref(&file->header);
        failure(error);
        return NULL;
    }
    section->refcount = 1;
    section->fd = -1;
    section->data_fd = file->fd;        /* open while the section holds the file object */
    section->file = file;
    __atomic_add_fetch(&file->mappings, 1, __ATOMIC_ACQ_REL);
    section->info = (struct section_info){
        .backing = BACKING_FILE, .protect = base,
        .attributes = SEC_FILE | (sec & SEC_NOCACHE),
        .size = size ? size : (uint64_t)st.st_size,
        .file_device = st.st_dev, .file_inode = st.st_ino,
    };
    return section;
}

/* Where a named file section's file is, for the processes that open the
 * section by name. */
static void record_file_path(struct section *section)
{
    char self[64];
    snprintf(self, sizeof(self), "/proc/self/fd/%d", section->data_fd);
    ssize_t length = readlink(self, section->info.file_path, sizeof(section->info.file_path) - 1);
    section->info.file_path[length > 0 ? length : 0] = '\0';
}

/* A section's description -- the header, then the info up to the end of the
 * file path -- as the first *description_size bytes; for an image section,
 * followed by the rest of its file's contents (the layout and the image)
 * up to *contents_size, 0 for other sections. */
static void *object_image(const struct ns_header *name, struct section *section, size_t *description_size,
                          size_t *contents_size)
{
    const struct section_info *info = &section->info;
    size_t info_bytes = offsetof(struct section_info, file_path) + strlen(info->file_path) + 1;
    *description_size = INFO_OFFSET + info_bytes;
    *contents_size = section->image ? info->data_offset + info->size : 0;
    char *image = calloc(1, section->image ? *contents_size : *description_size);
    if (!image) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    memcpy(image, name, sizeof(*name));
    ((struct ns_header *)image)->type = NS_TYPE_SECTION;
    memcpy(image + INFO_OFFSET, info, info_bytes);
    if (section->image) {
        memcpy(image + IMAGE_LAYOUT_OFFSET, section->image, sizeof(*section->image));
        memcpy(image + info->data_offset, section->image_bytes, info->size);
        free(section->image_bytes);         /* the object holds them now */
        section->image_bytes = NULL;
    }
    return image;
}

/* Gives section a file of its own: a memfd for an unnamed page-file section;
 * a namespace object for a named one, which may turn out to exist already
 * (then *existing is its holder in this process, or *opened a section made
 * from it). */
static BOOL publish(struct section *section, const char *name, struct mapping **existing,
                    struct section **opened)
{
    struct section_info *info = &section->info;
    size_t description_size = 0, contents_size = 0;
    off_t file_size = 0;            /* a file section's object holds nothing */
    if (info->backing == BACKING_PAGEFILE)
        pagefile_layout(info);
    if (info->backing != BACKING_FILE)
        file_size = (off_t)(info->data_offset + info->size);
    if (!name) {
        if (info->backing == BACKING_FILE)
            return TRUE;
        /* Only an image has contents to write; a page-file section starts
         * as zeros. */
        struct ns_header anonymous = { .magic = NS_MAGIC, .type = NS_TYPE_SECTION };
        void *image = section->image ? object_image(&anonymous, section, &description_size, &contents_size) : NULL;
        if (section->image && !image)
            return FALSE;
        int fd = memfd_create("w32mem-section", MFD_CLOEXEC);
        BOOL ok = fd >= 0 && ftruncate(fd, file_size) == 0 &&
                  (!image || pwrite(fd, image, contents_size, 0) == (ssize_t)contents_size);
        free(image);
        if (!ok) {
            DWORD error = errno == ENOSPC || errno == EFBIG || errno == ENOMEM ? ERROR_NOT_ENOUGH_MEMORY
                        : error_from_errno(errno);
            if (fd >= 0)
                close(fd);
            return failure(error);
        }
        section->fd = section->data_fd = fd;
        return map_shared_header(section);
    }

    struct ns_header header;
    if (!ns_name(name, &section->entry, &header))
        return FALSE;
    if (info->backing == BACKING_FILE)
        record_file_path(section);
    pthread_mutex_lock(&registry_lock);
    *existing = registry_find(section->entry.key);
    pthread_mutex_unlock(&registry_lock);
    if (*existing)
        return TRUE;
    void *image = object_image(&header, section, &description_size, &contents_size);
    if (!image)
        return FALSE;
    BOOL existed;
    BOOL ok = ns_acquire(&section->entry, &header, NS_TYPE_SECTION, image, description_size,
                         section->image ? image : NULL, contents_size, file_size, &existed);
    free(image);
    if (!ok)
        return FALSE;
    if (existed) {
        *opened = section_from_object(&section->entry);
        if (!*opened) {
            DWORD error = GetLastError();
            ns_release(&section->entry);
            close(section->entry.fd);
            return failure(error);
        }
        return TRUE;
    }
    section->named = TRUE;
    section->fd = section->entry.fd;
    if (info->backing != BACKING_FILE)
        section->data_fd = section->fd;
    if (!map_shared_header(section)) {
        ns_release(&section->entry);
        return FALSE;
    }
    return TRUE;
}

/* Registers a new holder of a name; the caller holds no lock. */
static void registry_add(struct mapping *mapping)
{
    pthread_mutex_lock(&registry_lock);
    mapping->holds_name = TRUE;
    mapping->next = registry;
    registry = mapping;
    pthread_mutex_unlock(&registry_lock);
}

HANDLE WINAPI CreateFileMappingA(HANDLE file, LPSECURITY_ATTRIBUTES security, DWORD protect,
                                 DWORD size_high, DWORD size_low, LPCSTR name)
{
    DWORD base, sec;
    if (!valid_section_flags(protect, &base, &sec)) {
        failure(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    uint64_t size = (uint64_t)size_high << 32 | size_low;
    struct section *section;
    if (file == INVALID_HANDLE_VALUE) {
        if (sec & SEC_IMAGE) {
            failure(ERROR_BAD_EXE_FORMAT);
            return NULL;
        }
        if (!size) {
            failure(ERROR_INVALID_PARAMETER);
            return NULL;
        }
        /* Larger than any view could be: STATUS_SECTION_TOO_BIG.  (Its
         * memfd's length, header included, would also overflow off_t.) */
        if (size > address_space()->highest) {
            failure(ERROR_NOT_ENOUGH_MEMORY);
            return NULL;
        }
        section = calloc(1, sizeof(*section));
        if (!section) {
            failure(ERROR_NOT_ENOUGH_MEMORY);
            return NULL;
        }
        section->refcount = 1;
        section->fd = section->data_fd = -1;
        section->info = (struct section_info){
            .backing = BACKING_PAGEFILE, .protect = base, .size = page_up(size),
            .attributes = ((sec & SEC_RESERVE) ? SEC_RESERVE : SEC_COMMIT) | (sec & SEC_NOCACHE),
        };
    } else {
        section = file_section(file, base, sec, size);
        if (!section)
            return NULL;
    }

    struct mapping *existing = NULL;
    struct section *opened = NULL;
    if (!publish(section, name && *name ? name : NULL, &existing, &opened)) {
        section_unref(section);
        return NULL;
    }
    BOOL inherit = security && security->bInheritHandle;
    ACCESS_MASK access = SECTION_ALL_ACCESS | (access_of(base) & ACCESS_X ? SECTION_MAP_EXECUTE_EXPLICIT : 0);
    HANDLE handle;
    if (existing || opened) {
        /* The existing object wins: its size and protection stay. */
        section_unref(section);
        struct mapping *mapping = existing ? existing : new_mapping(opened);
        if (!mapping) {
            DWORD error = GetLastError();
            ns_release(&opened->entry);
            section_unref(opened);
            failure(error);
            return NULL;
        }
        if (!existing)
            registry_add(mapping);
        handle = new_handle(mapping, access, inherit);
        object_unref(&mapping->header);
        if (handle)
            SetLastError(ERROR_ALREADY_EXISTS);
        return handle;
    }
    struct mapping *mapping = new_mapping(section);
    if (!mapping) {
        DWORD error = GetLastError();
        if (section->named)
            ns_release(&section->entry);
        section_unref(section);
        failure(error);
        return NULL;
    }
    if (section->named)
        registry_add(mapping);
    handle = new_handle(mapping, access, inherit);
    object_unref(&mapping->header);
    if (handle)
        SetLastError(ERROR_SUCCESS);
    return handle;
}

HANDLE WINAPI CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES security, DWORD protect,
                                 DWORD size_high, DWORD size_low, LPCWSTR name)
{
    char *utf8 = NULL;
    if (name && !(utf8 = utf8_from_wide(name)))
        return NULL;
    HANDLE handle = CreateFileMappingA(file, security, protect, size_high, size_low, utf8);
    DWORD error = GetLastError();
    free(utf8);
    SetLastError(error);
    return handle;
}

HANDLE WINAPI OpenFileMappingA(DWORD desired_access, BOOL inherit, LPCSTR name)
{
    if (!name) {
        failure(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    ACCESS_MASK access = desired_access == FILE_MAP_COPY ? SECTION_MAP_READ
                                                         : object_map_access(&mapping_type, desired_access);
    struct ns_entry entry;
    struct ns_header header;
    if (!ns_name(name, &entry, &header))
        return NULL;
    pthread_mutex_lock(&registry_lock);
    struct mapping *mapping = registry_find(entry.key);
    pthread_mutex_unlock(&registry_lock);
    if (!mapping) {
        BOOL existed;
        if (!ns_acquire(&entry, &header, NS_TYPE_SECTION, NULL, 0, NULL, 0, 0, &existed))
            return NULL;
        struct section *section = section_from_object(&entry);
        mapping = section ? new_mapping(section) : NULL;
        if (!mapping) {
            DWORD error = GetLastError();
            ns_release(&entry);
            if (section)
                section_unref(section);
            else
                close(entry.fd);
            failure(error);
            return NULL;
        }
        registry_add(mapping);
    }
    HANDLE handle = new_handle(mapping, access, inherit);
    object_unref(&mapping->header);
    return handle;
}

HANDLE WINAPI OpenFileMappingW(DWORD desired_access, BOOL inherit, LPCWSTR name)
{
    if (!name) {
        failure(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    char *utf8 = utf8_from_wide(name);
    if (!utf8)
        return NULL;
    HANDLE handle = OpenFileMappingA(desired_access, inherit, utf8);
    DWORD error = GetLastError();
    free(utf8);
    SetLastError(error);
    return handle;
}

/* --- Views --------------------------------------------------------------- */

BOOL view_is_mapping(const struct vm_allocation *allocation)
{
    return (allocation->type == MEM_MAPPED || allocation->type == MEM_IMAGE) && allocation->owner != NULL;
}

/* Marks pages of [start, end) that another view committed; the caller holds
 * the lock exclusively. */
static void sync_commits(struct vm_allocation *allocation, struct view *view)
{
    struct section *section = view->section;
    if (!section_reserves(section))
        return;
    uint64_t generation = __atomic_load_n(section_generation(section), __ATOMIC_ACQUIRE);
    if (generation == view->generation)
        return;
    const uint64_t *bitmap = section_bitmap(section);
    size_t page = page_size();
    uint64_t first = view->offset / page;
    uintptr_t run_start = 0;
    for (uintptr_t at = allocation->base; at <= allocation->base + allocation->size; at += page) {
        BOOL wanted = FALSE;
        if (at < allocation->base + allocation->size) {
            uint64_t index = first + (at - allocation->base) / page;
            BOOL committed = (__atomic_load_n(&bitmap[index / 64], __ATOMIC_ACQUIRE) >> (index % 64)) & 1;
            wanted = committed && vm_run_at(at)->state == MEM_RESERVE;
        }
        if (wanted && !run_start)
            run_start = at;
        if (!wanted && run_start) {
            if (!vm_change(allocation, run_start, at - run_start, MEM_COMMIT, view->protect))
                return;     /* out of memory for the map: retried at the next query */
            run_start = 0;
        }
    }
    view->generation = generation;
}

/* Copy-on-write pages that have been written: present (or swapped) and no
 * longer the file's page, as /proc/self/pagemap tells. */
static BOOL page_was_copied(int pagemap, uintptr_t address)
{
    uint64_t entry;
    if (pread(pagemap, &entry, sizeof(entry), (off_t)(address / page_size() * sizeof(entry))) != sizeof(entry))
        return FALSE;
    BOOL present = (entry >> 63) & 1, swapped = (entry >> 62) & 1, file_page = (entry >> 61) & 1;
    return (present || swapped) && !file_page;
}

static void sync_copies(struct vm_allocation *allocation, struct view *view)
{
    if (!view->private_pages)
        return;
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pagemap < 0)
        return;
    size_t page = page_size();
    for (struct vm_run *run = vm_run_at(allocation->base); run; ) {
        uintptr_t run_end = run->start + run->size;
        DWORD protect = run->protect;
        if (run->state == MEM_COMMIT && is_writecopy(protect)) {
            DWORD written = (protect & 0xff) == PAGE_WRITECOPY ? PAGE_READWRITE : PAGE_EXECUTE_READWRITE;
            for (uintptr_t at = run->start; at < run_end; at += page) {
                if (page_was_copied(pagemap, at)) {
                    vm_change(allocation, at, page, MEM_COMMIT, written | (protect & ~(DWORD)0xff));
                }
            }
        }
        run = vm_run_at(run_end);
        if (run && run->allocation != allocation)
            break;
    }
    close(pagemap);
}

BOOL view_is_stale(const struct vm_allocation *allocation)
{
    if (!view_is_mapping(allocation))
        return FALSE;
    const struct view *view = allocation->owner;
    return view->private_pages ||
           (section_reserves(view->section) &&
            __atomic_load_n(section_generation(view->section), __ATOMIC_ACQUIRE) != view->generation);
}

int view_committed_elsewhere(const struct vm_allocation *allocation, uintptr_t page)
{
    if (!view_is_mapping(allocation))
        return -1;
    const struct view *view = allocation->owner;
    if (!section_reserves(view->section))
        return -1;
    uint64_t index = (view->offset + (page - allocation->base)) / page_size();
    uint64_t word = __atomic_load_n(&section_bitmap(view->section)[index / 64], __ATOMIC_ACQUIRE);
    return (word >> (index % 64)) & 1 ? vm_kernel_protection(view->protect) : -1;
}

void view_refresh(uintptr_t address)
{
    vm_lock_shared();
    struct vm_allocation *allocation = vm_allocation_at(address);
    BOOL stale = allocation && view_is_stale(allocation);
    vm_unlock();
    if (!stale)
        return;
    vm_lock_exclusive();
    allocation = vm_allocation_at(address);
    if (allocation && view_is_mapping(allocation)) {
        sync_commits(allocation, allocation->owner);
        sync_copies(allocation, allocation->owner);
    }
    vm_unlock();
}

/* Gives an image view its type and each part its protection; the caller
 * holds the lock exclusively. */
static BOOL lay_out_image(struct vm_allocation *allocation, const struct image_layout *layout)
{
    allocation->type = MEM_IMAGE;
    for (uint32_t i = 0; i < layout->count; i++) {
        const struct image_range *range = &layout->ranges[i];
        if (!vm_change(allocation, allocation->base + range->start, range->size, MEM_COMMIT, range->protect))
            return FALSE;
    }
    return TRUE;
}

/* Fact 130. */
static DWORD view_protection(DWORD access)
{
    DWORD protect = (access & FILE_MAP_WRITE) ? PAGE_READWRITE
                  : (access & FILE_MAP_READ) ? PAGE_READONLY
                  : (access & FILE_MAP_COPY) ? PAGE_WRITECOPY : PAGE_NOACCESS;
    if (access & FILE_MAP_EXECUTE)
        protect <<= 4;
    return protect;
}

LPVOID WINAPI MapViewOfFileEx(HANDLE handle, DWORD desired_access, DWORD offset_high, DWORD offset_low,
                              SIZE_T size, LPVOID base)
{
    ACCESS_MASK handle_access;
    struct mapping *mapping = (struct mapping *)handle_lookup(handle, &mapping_type, &handle_access);
    if (!mapping)
        return NULL;
    struct section *section = mapping->section;
    DWORD error = ERROR_SUCCESS;
    uint64_t offset = (uint64_t)offset_high << 32 | offset_low;
    DWORD protect = view_protection(desired_access);
    unsigned view = access_of(protect), granted = access_of(section->info.protect);
    ACCESS_MASK needed = (view & ACCESS_W) ? SECTION_MAP_WRITE : SECTION_MAP_READ;
    if (view & ACCESS_X)
        needed |= SECTION_MAP_EXECUTE;
    if (desired_access & ~(DWORD)(FILE_MAP_ALL_ACCESS | FILE_MAP_COPY | FILE_MAP_EXECUTE | FILE_MAP_RESERVE |
                                  FILE_MAP_TARGETS_INVALID | FILE_MAP_LARGE_PAGES))
        error = ERROR_INVALID_PARAMETER;
    else if ((handle_access & needed) != needed &&
             !((view & ACCESS_X) && (handle_access & SECTION_MAP_EXECUTE_EXPLICIT) &&
               (handle_access & (needed & ~(ACCESS_MASK)SECTION_MAP_EXECUTE)) ==
                   (needed & ~(ACCESS_MASK)SECTION_MAP_EXECUTE)))
        error = ERROR_ACCESS_DENIED;
    else if ((view & ~granted) != 0)
        error = ERROR_ACCESS_DENIED;        /* more than the section's protection grants */
    else if ((offset & (ALLOCATION_GRANULARITY - 1)) || ((uintptr_t)base & (ALLOCATION_GRANULARITY - 1)))
        error = ERROR_MAPPED_ALIGNMENT;
    else if (offset >= section->info.size || (section->image && offset))
        error = ERROR_INVALID_PARAMETER;        /* an image is mapped whole */
    else if (size > section->info.size - offset)
        error = ERROR_ACCESS_DENIED;        /* STATUS_INVALID_VIEW_SIZE */
    struct view *record = error ? NULL : malloc(sizeof(*record));
    if (!error && !record)
        error = ERROR_NOT_ENOUGH_MEMORY;
    if (error) {
        object_unref(&mapping->header);
        failure(error);
        return NULL;
    }
    if (!size || section->image)
        size = section->info.size - offset;
    if (section->image)
        protect = PAGE_EXECUTE_WRITECOPY;       /* what image views report as AllocationProtect */
    if (section->info.attributes & SEC_NOCACHE)
        protect |= PAGE_NOCACHE;
    BOOL copy = is_writecopy(protect);
    *record = (struct view){ .section = section, .offset = offset, .protect = protect, .private_pages = copy };
    __atomic_add_fetch(&section->refcount, 1, __ATOMIC_ACQ_REL);
    object_unref(&mapping->header);

    struct vm_view_request request = {
        .base = (uintptr_t)base, .size = page_up(size), .fd = section->data_fd,
        .offset = (off_t)(section->info.data_offset + offset),
        .kernel_flags = copy ? MAP_PRIVATE : MAP_SHARED, .protect = protect,
        .commit = !section_reserves(section), .owner = record,
    };
    /* Pages other views commit later are brought in on first touch. */
    if (section_reserves(section))
        faults_install();
    vm_lock_exclusive();
    struct vm_allocation *allocation = vm_map_view(&request);
    if (allocation && section->image && !lay_out_image(allocation, section->image)) {
        error = GetLastError();
        vm_release(allocation);
        allocation = NULL;
        SetLastError(error);
    }
    if (allocation)
        sync_commits(allocation, record);
    vm_unlock();
    if (!allocation) {
        error = GetLastError();
        section_unref(section);
        free(record);
        failure(error);
        return NULL;
    }
    return (LPVOID)allocation->base;
}

LPVOID WINAPI MapViewOfFile(HANDLE handle, DWORD desired_access, DWORD offset_high, DWORD offset_low, SIZE_T size)
{
    return MapViewOfFileEx(handle, desired_access, offset_high, offset_low, size, NULL);
}

BOOL WINAPI UnmapViewOfFile(LPCVOID address)
{
    vm_lock_exclusive();
    struct vm_allocation *allocation = vm_allocation_at((uintptr_t)address);
    struct view *view = NULL;
    BOOL done = FALSE;
    if (!allocation || !view_is_mapping(allocation)) {
        failure(ERROR_INVALID_ADDRESS);
    } else {
        view = allocation->owner;
        done = vm_release(allocation);
    }
    vm_unlock();
    if (done) {
        section_unref(view->section);
        free(view);
    }
    return done;
}

BOOL WINAPI FlushViewOfFile(LPCVOID address, SIZE_T size)
{
    uintptr_t start = page_down((uintptr_t)address);
    vm_lock_shared();
    struct vm_allocation *allocation = vm_allocation_at((uintptr_t)address);
    BOOL done = FALSE;
    if (!allocation) {
        failure(ERROR_INVALID_PARAMETER);
    } else if (!view_is_mapping(allocation)) {
        /* Windows finds no mapped data to write (STATUS_NOT_MAPPED_DATA),
         * which kernelbase reports as success. */
        done = TRUE;
    } else {
        uintptr_t view_end = allocation->base + allocation->size;
        uintptr_t end = size ? page_up((uintptr_t)address + size) : view_end;
        if (end > view_end || end < start)
            failure(ERROR_INVALID_PARAMETER);
        else
            done = msync((void *)start, end - start, MS_ASYNC) == 0 ? TRUE : failure_from_errno();
    }
    vm_unlock();
    return done;
}

/* --- What VirtualAlloc and VirtualProtect do in a view --------------------- */

BOOL view_commit(struct vm_allocation *allocation, uintptr_t start, uintptr_t end, DWORD protect)
{
    struct view *view = allocation->owner;
    struct section *section = view->section;
    if (section->info.backing != BACKING_PAGEFILE)
        return failure(ERROR_ACCESS_DENIED);                /* fact 141 */
    if (access_of(protect) & ~view_access(view->protect))
        return failure(ERROR_INVALID_PARAMETER);
    sync_commits(allocation, view);
    /* The section's record follows the commit: a commit that fails must
     * not show in the other views. */
    if (!vm_change(allocation, start, end - start, MEM_COMMIT, protect))
        return FALSE;
    if (section_reserves(section)) {
        uint64_t *bitmap = section_bitmap(section);
        size_t page = page_size();
        for (uintptr_t at = start; at < end; at += page) {
            uint64_t index = (view->offset + (at - allocation->base)) / page;
            __atomic_fetch_or(&bitmap[index / 64], (uint64_t)1 << (index % 64), __ATOMIC_RELEASE);
        }
        __atomic_add_fetch(section_generation(section), 1, __ATOMIC_ACQ_REL);
    }
    return TRUE;
}

/* Turns the shared pages of [start, end) into private copy-on-write pages
 * of the same file pages; pages already copied keep their contents. */
static BOOL make_private(struct vm_allocation *allocation, struct view *view, uintptr_t start, uintptr_t end)
{
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pagemap < 0)
        return failure_from_errno();
    size_t page = page_size();
    BOOL ok = TRUE;
    for (uintptr_t at = start; at < end && ok; at += page) {
        if (page_was_copied(pagemap, at))
            continue;
        int protection = vm_kernel_protection(vm_run_at(at)->protect);
        off_t offset = (off_t)(view->section->info.data_offset + view->offset + (at - allocation->base));
        if (mmap((void *)at, page, protection, MAP_PRIVATE | MAP_FIXED, view->section->data_fd, offset) == MAP_FAILED)
            ok = failure_from_errno();
    }
    close(pagemap);
    return ok;
}

BOOL view_protect(struct vm_allocation *allocation, uintptr_t start, uintptr_t end, DWORD protect,
                  DWORD *old_protect)
{
    struct view *view = allocation->owner;
    if (!single_protection(protect) || (access_of(protect) & ~view_access(view->protect)))
        return failure(ERROR_INVALID_PARAMETER);            /* facts 38, 39 */
    if (view->section->image)
        protect = image_writecopy_form(protect);            /* fact 44 */
    DWORD old = vm_run_at(start)->protect;
    if (is_writecopy(protect) && !is_writecopy(view->protect)) {
        if (!make_private(allocation, view, start, end))
            return FALSE;
    }
    if (is_writecopy(protect))
        view->private_pages = TRUE;
    DWORD caching = view->protect & PAGE_NOCACHE;
    if (!vm_change(allocation, start, end - start, MEM_COMMIT, protect | caching))
        return FALSE;
    *old_protect = old;
    return TRUE;
}
