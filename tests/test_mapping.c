/* CreateFileMapping, OpenFileMapping, MapViewOfFile(Ex), UnmapViewOfFile,
 * FlushViewOfFile, and what VirtualAlloc/VirtualProtect/VirtualQuery do in
 * views, in one process (fact numbers refer to windows-behaviour.md). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "handle.h"
#include "namespace.h"
#include "probe.h"

#define P 0x1000
#define G 0x10000
#define MB 0x100000

static char scratch[64];
static char path[128];
static char mapping_name[64];

static void setup(void)
{
    snprintf(scratch, sizeof(scratch), "/tmp/w32mem-map-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    snprintf(path, sizeof(path), "%s/file.bin", scratch);
    snprintf(mapping_name, sizeof(mapping_name), "w32mem test %d", (int)getpid());
}

static void teardown(void)
{
    char command[128];
    snprintf(command, sizeof(command), "rm -rf %s", scratch);
    ck_assert_int_eq(system(command), 0);
    ck_assert_uint_eq(handle_count(), 0);
}

static MEMORY_BASIC_INFORMATION query(const void *address)
{
    MEMORY_BASIC_INFORMATION info;
    memset(&info, 0xcc, sizeof(info));
    ck_assert_uint_eq(VirtualQuery(address, &info, sizeof(info)), sizeof(info));
    return info;
}

#define ck_assert_view(info, base, allocation_protect, size, state, protect) do { \
    MEMORY_BASIC_INFORMATION i_ = (info); \
    ck_assert_ptr_eq(i_.BaseAddress, (void *)(base)); \
    ck_assert_uint_eq(i_.AllocationProtect, (allocation_protect)); \
    ck_assert_uint_eq(i_.RegionSize, (size)); \
    ck_assert_uint_eq(i_.State, (state)); \
    ck_assert_uint_eq(i_.Protect, (protect)); \
    ck_assert_uint_eq(i_.Type, MEM_MAPPED); \
} while (0)

static HANDLE file_of_size(DWORD access, DWORD size)
{
    HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                           CREATE_ALWAYS, 0, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    if (size) {
        ck_assert_uint_eq(SetFilePointer(h, (LONG)size, NULL, FILE_BEGIN), size);
        ck_assert(SetEndOfFile(h));
    }
    ck_assert(CloseHandle(h));
    h = CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    ck_assert_ptr_ne(h, INVALID_HANDLE_VALUE);
    return h;
}

static long file_size(void)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return (long)st.st_size;
}

START_TEST(create_validation)               /* facts 115, 116, 122 */
{
    static const DWORD bad[] = {
        0, PAGE_NOACCESS, PAGE_EXECUTE, PAGE_READONLY | PAGE_READWRITE, PAGE_READWRITE | SEC_RESERVE | SEC_COMMIT,
        PAGE_READWRITE | SEC_NOCACHE, PAGE_READWRITE | SEC_LARGE_PAGES, PAGE_READWRITE | SEC_WRITECOMBINE,
        PAGE_READWRITE | SEC_FILE, PAGE_READWRITE | SEC_COMMIT | SEC_LARGE_PAGES, PAGE_READONLY | SEC_IMAGE | SEC_COMMIT,
        PAGE_READWRITE | PAGE_GUARD,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(0);
        ck_assert_ptr_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, bad[i], 0, MB, NULL));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
    }
    ck_assert_ptr_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, NULL));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_ptr_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY | SEC_IMAGE, 0, MB, NULL));
    ck_assert_last_error(ERROR_BAD_EXE_FORMAT);
    ck_assert_ptr_null(CreateFileMappingA((HANDLE)(ULONG_PTR)0x1234, NULL, PAGE_READONLY, 0, MB, NULL));
    ck_assert_last_error(ERROR_INVALID_HANDLE);

    static const DWORD good[] = {
        PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
        PAGE_EXECUTE_WRITECOPY, PAGE_READWRITE | SEC_RESERVE, PAGE_READWRITE | SEC_COMMIT,
        PAGE_READWRITE | SEC_RESERVE | SEC_NOCACHE, PAGE_READWRITE | SEC_COMMIT | SEC_WRITECOMBINE,
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        SetLastError(1234);
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, good[i], 0, MB, NULL);
        ck_assert_ptr_nonnull(h);
        ck_assert_last_error(ERROR_SUCCESS);            /* fact 113: always set */
        ck_assert(CloseHandle(h));
    }
}
END_TEST

START_TEST(file_backed_sizes)               /* facts 117, 118, 121 */
{
    HANDLE file = file_of_size(GENERIC_READ | GENERIC_WRITE, 0);
    ck_assert_ptr_null(CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL));
    ck_assert_last_error(ERROR_FILE_INVALID);
    HANDLE m = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0x1000, NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(file_size(), 0x1000);                /* extended */
    ck_assert(CloseHandle(m));
    m = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert(CloseHandle(m));
    ck_assert_ptr_null(CreateFileMappingA(file, NULL, PAGE_READONLY, 0, MB, NULL));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);        /* a read-only section cannot grow */
    ck_assert_int_eq(file_size(), 0x1000);
    m = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, MB, NULL);
    ck_assert_int_eq(file_size(), MB);
    ck_assert(CloseHandle(m));
    ck_assert(CloseHandle(file));

    file = file_of_size(GENERIC_READ, 0x3452);
    ck_assert_ptr_null(CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert_ptr_null(CreateFileMappingA(file, NULL, PAGE_EXECUTE_READ, 0, 0, NULL));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    m = CreateFileMappingA(file, NULL, PAGE_WRITECOPY, 0, 0, NULL);
    ck_assert_ptr_nonnull(m);
    /* fact 135: the view may not exceed the section's exact size. */
    ck_assert_ptr_null(MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0x3453));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    void *view = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0x3452);
    ck_assert_ptr_nonnull(view);
    ck_assert_view(query(view), view, PAGE_READONLY, 0x4000, MEM_COMMIT, PAGE_READONLY);   /* fact 143 */
    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(m));
    ck_assert(CloseHandle(file));

    file = file_of_size(0, 0x1000);
    ck_assert_ptr_null(CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 0, NULL));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert(CloseHandle(file));
}
END_TEST

START_TEST(file_views_reach_the_file)
{
    HANDLE file = file_of_size(GENERIC_READ | GENERIC_WRITE, 0);
    HANDLE m = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 3 * G, NULL);
    char *view = MapViewOfFile(m, FILE_MAP_WRITE, 0, G, 0);
    ck_assert_ptr_nonnull(view);
    ck_assert_uint_eq((ULONG_PTR)view % G, 0);
    ck_assert_view(query(view), view, PAGE_READWRITE, 2 * G, MEM_COMMIT, PAGE_READWRITE);
    strcpy(view + 5, "through the view");
    ck_assert(FlushViewOfFile(view, 0));
    ck_assert(FlushViewOfFile(view + 100, 10));
    ck_assert(!FlushViewOfFile(view + P, 2 * G));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    /* fact 146: private memory has nothing to write back, which counts as
     * success; memory that belongs to no allocation is an error. */
    char *private_memory = VirtualAlloc(NULL, G, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ck_assert(FlushViewOfFile(private_memory, 0));
    ck_assert(FlushViewOfFile(private_memory + P, P));
    ck_assert(VirtualFree(private_memory, 0, MEM_RELEASE));
    SetLastError(0);
    ck_assert(!FlushViewOfFile(private_memory, 0));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    char buffer[32] = { 0 };
    DWORD got;
    ck_assert_uint_eq(SetFilePointer(file, G + 5, NULL, FILE_BEGIN), G + 5);
    ck_assert(ReadFile(file, buffer, 16, &got, NULL));
    ck_assert_str_eq(buffer, "through the view");
    /* A mapped file cannot shrink under its views. */
    ck_assert_uint_eq(SetFilePointer(file, 10, NULL, FILE_BEGIN), 10);
    ck_assert(!SetEndOfFile(file));
    ck_assert_last_error(ERROR_USER_MAPPED_FILE);
    /* fact 141: no VirtualAlloc(MEM_COMMIT) in a file view. */
    ck_assert_ptr_null(VirtualAlloc(view, P, MEM_COMMIT, PAGE_READONLY));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert(!VirtualFree(view, P, MEM_DECOMMIT));      /* fact 30 */
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(CloseHandle(m));
    ck_assert(CloseHandle(file));
    ck_assert_str_eq(view + 5, "through the view");      /* fact 152: the view outlives the handles */
    ck_assert(UnmapViewOfFile(view));
}
END_TEST

START_TEST(view_access_rules)               /* facts 126, 130, 131, 132, 133, 135 */
{
    HANDLE rw = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MB, NULL);
    static const struct { DWORD access, protect; } table[] = {
        { FILE_MAP_READ, PAGE_READONLY }, { FILE_MAP_WRITE, PAGE_READWRITE }, { FILE_MAP_ALL_ACCESS, PAGE_READWRITE },
        { FILE_MAP_COPY, PAGE_WRITECOPY }, { FILE_MAP_READ | FILE_MAP_COPY, PAGE_READONLY }, { 0, PAGE_NOACCESS },
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        void *view = MapViewOfFile(rw, table[i].access, 0, 0, 0);
        ck_assert_ptr_nonnull(view);
        ck_assert_view(query(view), view, table[i].protect, MB, MEM_COMMIT, table[i].protect);
        ck_assert(UnmapViewOfFile(view));
    }
    ck_assert_ptr_null(MapViewOfFile(rw, FILE_MAP_EXECUTE | FILE_MAP_READ, 0, 0, 0));
    ck_assert_last_error(ERROR_ACCESS_DENIED);           /* the section grants no execute */
    ck_assert_ptr_null(MapViewOfFile(rw, FILE_MAP_READ, 0, 1, 0));
    ck_assert_last_error(ERROR_MAPPED_ALIGNMENT);
    ck_assert_ptr_null(MapViewOfFile(rw, FILE_MAP_READ, 0, P, 0));
    ck_assert_last_error(ERROR_MAPPED_ALIGNMENT);
    ck_assert_ptr_null(MapViewOfFile(rw, FILE_MAP_READ, 0, 0, MB + 1));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert_ptr_null(MapViewOfFile(rw, FILE_MAP_READ, 0, MB, 0));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);

    HANDLE read_only;
    ck_assert(DuplicateHandle(GetCurrentProcess(), rw, GetCurrentProcess(), &read_only, FILE_MAP_READ, FALSE, 0));
    ck_assert_ptr_null(MapViewOfFile(read_only, FILE_MAP_WRITE, 0, 0, 0));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    void *view = MapViewOfFile(read_only, 0, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    ck_assert(UnmapViewOfFile(view));
    HANDLE nothing;
    ck_assert(DuplicateHandle(GetCurrentProcess(), rw, GetCurrentProcess(), &nothing, 0, FALSE, 0));
    ck_assert_ptr_null(MapViewOfFile(nothing, 0, 0, 0, 0));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    HANDLE write_only;
    ck_assert(DuplicateHandle(GetCurrentProcess(), rw, GetCurrentProcess(), &write_only, FILE_MAP_WRITE, FALSE, 0));
    ck_assert_ptr_null(MapViewOfFile(write_only, FILE_MAP_READ, 0, 0, 0));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    view = MapViewOfFile(write_only, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(read_only));
    ck_assert(CloseHandle(nothing));
    ck_assert(CloseHandle(write_only));
    ck_assert(CloseHandle(rw));

    HANDLE ro = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, MB, NULL);
    ck_assert_ptr_null(MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, 0));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    view = MapViewOfFile(ro, FILE_MAP_COPY, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(ro));
    ck_assert(!CloseHandle(ro));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert_ptr_null(MapViewOfFile(ro, FILE_MAP_READ, 0, 0, 0));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

START_TEST(views_share_pages_and_unmap_from_inside)   /* facts 136, 144, 145, 40, 134 */
{
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x3452, NULL);
    char *a = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    char *b = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    ck_assert_ptr_ne(a, b);
    ck_assert_view(query(a), a, PAGE_READWRITE, 0x4000, MEM_COMMIT, PAGE_READWRITE);   /* fact 120 */
    strcpy(a + 0x3000, "shared");
    ck_assert_str_eq(b + 0x3000, "shared");
    ck_assert_not_writable(b);

    void *private_memory = VirtualAlloc(NULL, G, MEM_COMMIT, PAGE_READWRITE);
    ck_assert(!UnmapViewOfFile(private_memory));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert(!UnmapViewOfFile((char *)private_memory + 0x3000));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert(!UnmapViewOfFile((void *)0xdeadbeef));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert(VirtualFree(private_memory, 0, MEM_RELEASE));

    /* MapViewOfFileEx never maps over memory in use. */
    ck_assert_ptr_null(MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 0, a));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert_ptr_null(MapViewOfFileEx(m, FILE_MAP_READ, 0, 0, 0, a + 42));
    ck_assert_last_error(ERROR_MAPPED_ALIGNMENT);

    ck_assert(UnmapViewOfFile(a + 0x1000 + 100));
    MEMORY_BASIC_INFORMATION info = query(a);
    ck_assert_uint_eq(info.State, MEM_FREE);
    ck_assert_uint_eq(info.Protect, PAGE_NOACCESS);
    ck_assert_not_readable(a);
    char *again = MapViewOfFileEx(m, FILE_MAP_WRITE, 0, 0, 0, a);
    ck_assert_ptr_eq(again, a);
    ck_assert_str_eq(again + 0x3000, "shared");
    ck_assert(UnmapViewOfFile(again + 100));
    ck_assert(UnmapViewOfFile(b));
    ck_assert(CloseHandle(m));
}
END_TEST

START_TEST(sec_reserve_commit)              /* facts 49, 138, 139, 140 */
{
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, MB, NULL);
    char *a = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_view(query(a), a, PAGE_READWRITE, MB, MEM_RESERVE, 0);
    ck_assert_not_readable(a);
    ck_assert_ptr_eq(VirtualAlloc(a, G, MEM_COMMIT, PAGE_READONLY), a);
    ck_assert_view(query(a), a, PAGE_READWRITE, G, MEM_COMMIT, PAGE_READONLY);
    ck_assert_view(query(a + G), a + G, PAGE_READWRITE, MB - G, MEM_RESERVE, 0);
    char *b = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_view(query(b), b, PAGE_READWRITE, G, MEM_COMMIT, PAGE_READWRITE);
    b[10] = 'x';
    ck_assert_int_eq(a[10], 'x');
    /* A commit through one view shows in a view mapped before it. */
    ck_assert_ptr_eq(VirtualAlloc(b + 2 * G, P, MEM_COMMIT, PAGE_READWRITE), b + 2 * G);
    ck_assert_view(query(a + 2 * G), a + 2 * G, PAGE_READWRITE, P, MEM_COMMIT, PAGE_READWRITE);
    ck_assert_readable(a + 2 * G);
    ck_assert(!VirtualFree(a, G, MEM_DECOMMIT));        /* fact 30 */
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_ptr_eq(VirtualAlloc(a, MB, MEM_RESET, PAGE_NOACCESS), a);   /* fact 49 */
    ck_assert(UnmapViewOfFile(a));
    ck_assert(UnmapViewOfFile(b));
    ck_assert(CloseHandle(m));

    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE, 0, MB, NULL);
    a = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_view(query(a), a, PAGE_READWRITE | PAGE_NOCACHE, MB, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE);
    ck_assert(UnmapViewOfFile(a));
    ck_assert(CloseHandle(m));

    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MB, NULL);
    a = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    ck_assert_ptr_null(VirtualAlloc(a, G, MEM_COMMIT, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);      /* more than the view's access */
    ck_assert_ptr_eq(VirtualAlloc(a, G, MEM_COMMIT, PAGE_READONLY), a);
    ck_assert_ptr_eq(VirtualAlloc(a, MB, MEM_RESET, PAGE_NOACCESS), a);
    ck_assert(UnmapViewOfFile(a));
    ck_assert(CloseHandle(m));
}
END_TEST

START_TEST(protect_and_copy_on_write)       /* facts 38, 39, 142, 129 */
{
    HANDLE file = file_of_size(GENERIC_READ | GENERIC_WRITE, 2 * P);
    HANDLE m = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    char *ro = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    DWORD old;
    static const DWORD refused[] = { PAGE_READWRITE, PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
                                     PAGE_EXECUTE_WRITECOPY };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        ck_assert(!VirtualProtect(ro, P, refused[i], &old));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
    }
    ck_assert(VirtualProtect(ro, P, PAGE_READONLY, &old));
    ck_assert_uint_eq(old, PAGE_READONLY);
    ck_assert(VirtualProtect(ro, P, PAGE_NOACCESS, &old));
    ck_assert(VirtualProtect(ro, P, PAGE_WRITECOPY, &old));
    ck_assert_uint_eq(old, PAGE_NOACCESS);
    ro[1] = 'p';                                        /* a private copy now */
    ck_assert_view(query(ro), ro, PAGE_READONLY, P, MEM_COMMIT, PAGE_READWRITE);

    char *rw = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert(VirtualProtect(rw, 2 * P, PAGE_WRITECOPY, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE);
    rw[0] = 'c';
    ck_assert_view(query(rw), rw, PAGE_READWRITE, P, MEM_COMMIT, PAGE_READWRITE);
    ck_assert_view(query(rw + P), rw + P, PAGE_READWRITE, P, MEM_COMMIT, PAGE_WRITECOPY);

    char *copy = MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
    ck_assert_view(query(copy), copy, PAGE_WRITECOPY, 2 * P, MEM_COMMIT, PAGE_WRITECOPY);
    copy[P] = 'k';
    ck_assert_view(query(copy), copy, PAGE_WRITECOPY, P, MEM_COMMIT, PAGE_WRITECOPY);
    ck_assert_view(query(copy + P), copy + P, PAGE_WRITECOPY, P, MEM_COMMIT, PAGE_READWRITE);

    char *shared = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_int_eq(shared[0], 0);                     /* no copy reached the others */
    ck_assert_int_eq(shared[1], 0);
    ck_assert_int_eq(shared[P], 0);
    shared[2] = 's';
    ck_assert_int_eq(copy[2], 's');                     /* unwritten copy pages still follow the file */
    ck_assert(UnmapViewOfFile(shared));
    ck_assert(UnmapViewOfFile(copy));
    ck_assert(UnmapViewOfFile(rw));
    ck_assert(UnmapViewOfFile(ro));
    ck_assert(CloseHandle(m));
    char buffer[3];
    DWORD got;
    ck_assert(ReadFile(file, buffer, 3, &got, NULL));
    ck_assert_int_eq(buffer[0], 0);                     /* the file never saw the copies */
    ck_assert_int_eq(buffer[1], 0);
    ck_assert_int_eq(buffer[2], 's');
    ck_assert(CloseHandle(file));
}
END_TEST

START_TEST(names_and_lifetime)              /* facts 113, 114, 123, 124, 127 */
{
    SetLastError(99);
    HANDLE first = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MB, mapping_name);
    ck_assert_ptr_nonnull(first);
    ck_assert_last_error(ERROR_SUCCESS);
    HANDLE second = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, 2 * MB, mapping_name);
    ck_assert_ptr_nonnull(second);
    ck_assert_ptr_ne(first, second);
    ck_assert_last_error(ERROR_ALREADY_EXISTS);
    char *view = MapViewOfFile(second, FILE_MAP_WRITE, 0, 0, 0);   /* the first call's protection and size */
    ck_assert_ptr_nonnull(view);
    ck_assert_view(query(view), view, PAGE_READWRITE, MB, MEM_COMMIT, PAGE_READWRITE);

    char upper[64];
    snprintf(upper, sizeof(upper), "W32MEM TEST %d", (int)getpid());
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, upper));
    ck_assert_last_error(ERROR_FILE_NOT_FOUND);
    char local[80];
    snprintf(local, sizeof(local), "Local\\%s", mapping_name);
    HANDLE reader = OpenFileMappingA(FILE_MAP_READ, FALSE, local);   /* Local\ is the plain namespace */
    ck_assert_ptr_nonnull(reader);
    char global[80];
    snprintf(global, sizeof(global), "Global\\%s", mapping_name);
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, global));
    ck_assert_last_error(ERROR_FILE_NOT_FOUND);
    ck_assert_ptr_null(MapViewOfFile(reader, FILE_MAP_WRITE, 0, 0, 0));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    HANDLE copier = OpenFileMappingA(FILE_MAP_COPY, FALSE, mapping_name);
    char *copy_view = MapViewOfFile(copier, FILE_MAP_READ, 0, 0, 0);
    ck_assert_ptr_nonnull(copy_view);                   /* FILE_MAP_COPY opens with map-read */
    ck_assert(UnmapViewOfFile(copy_view));
    ck_assert(CloseHandle(copier));
    strcpy(view, "named");
    ck_assert(CloseHandle(first));
    ck_assert(CloseHandle(second));
    ck_assert(CloseHandle(reader));

    /* The view outlives the handles, but the name does not. */
    ck_assert_str_eq(view, "named");
    ck_assert_view(query(view), view, PAGE_READWRITE, MB, MEM_COMMIT, PAGE_READWRITE);
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, mapping_name));
    ck_assert_last_error(ERROR_FILE_NOT_FOUND);
    HANDLE fresh = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MB, mapping_name);
    ck_assert_last_error(ERROR_SUCCESS);
    char *fresh_view = MapViewOfFile(fresh, FILE_MAP_READ, 0, 0, 0);
    ck_assert_int_eq(fresh_view[0], 0);                 /* a new object */
    ck_assert(UnmapViewOfFile(fresh_view));
    ck_assert(CloseHandle(fresh));
    ck_assert(UnmapViewOfFile(view));

    WCHAR wide[] = { 'w', 'i', 'd', 'e', '/', '.', '.', 0x4e2d, 0 };
    HANDLE w = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, P, wide);
    ck_assert_ptr_nonnull(w);
    HANDLE w2 = OpenFileMappingW(FILE_MAP_READ, FALSE, wide);
    ck_assert_ptr_nonnull(w2);
    ck_assert(CloseHandle(w));
    ck_assert(CloseHandle(w2));

    ck_assert_ptr_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, P, "no\\such\\directory"));
    ck_assert_last_error(ERROR_PATH_NOT_FOUND);
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, NULL));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    char long_name[300];
    memset(long_name, 'n', 250);
    long_name[250] = '\0';
    HANDLE long_mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, P, long_name);
    ck_assert_ptr_nonnull(long_mapping);
    long_name[249] = 'm';
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, long_name));
    ck_assert_last_error(ERROR_FILE_NOT_FOUND);
    ck_assert(CloseHandle(long_mapping));
}
END_TEST

START_TEST(another_type_owns_the_name)
{
    struct ns_entry entry;
    struct ns_header header;
    ck_assert(ns_name(mapping_name, &entry, &header));
    header.type = NS_TYPE_SECTION + 100;
    BOOL existed;
    ck_assert(ns_acquire(&entry, &header, header.type, &header, sizeof(header), NULL, 0, 4096, &existed));
    ck_assert(!existed);
    ck_assert_ptr_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, P, mapping_name));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, mapping_name));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ns_release(&entry);
    close(entry.fd);
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, P, mapping_name);
    ck_assert_last_error(ERROR_SUCCESS);
    ck_assert(CloseHandle(h));
}
END_TEST

/* A socket of ours at the name that answers with both descriptors but not
 * with a whole description: the opener refuses it (as anything at a name
 * that is not one of our objects) and keeps nothing that came with it. */
struct forger {
    int listener, memfd;
    struct ns_header header;
    size_t sent;                /* the bytes of the answer; the header says how many it should be */
};

static void *forge_answer(void *argument)
{
    struct forger *forger = argument;
    int connection = accept4(forger->listener, NULL, NULL, SOCK_CLOEXEC);
    char *answer = calloc(1, forger->sent);
    if (connection < 0 || !answer)
        return (void *)"accept";
    memcpy(answer, &forger->header, sizeof(forger->header) < forger->sent ? sizeof(forger->header) : forger->sent);
    int fds[2] = { forger->listener, forger->memfd };
    char control[CMSG_SPACE(sizeof(fds))];
    memset(control, 0, sizeof(control));
    struct iovec iov = { answer, forger->sent };
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = control, .msg_controllen = sizeof(control) };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
    memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
    ssize_t sent = sendmsg(connection, &message, MSG_NOSIGNAL);
    close(connection);
    free(answer);
    return sent == (ssize_t)forger->sent ? NULL : (void *)"sendmsg";
}

static int descriptor_count(void)
{
    DIR *directory = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(directory);
    int count = 0;
    while (readdir(directory))
        count++;
    closedir(directory);
    return count;
}

START_TEST(malformed_answers_are_refused)
{
    /* Declared and sent sizes: cut short, too long to be a description,
     * longer than declared, declaring less than a header. */
    static const size_t sizes[][2] = {
        { 1300, 1200 }, { NS_DESCRIPTION_BYTES + 64, NS_DESCRIPTION_BYTES + 64 }, { 1300, 1400 },
        { 16, 1300 },
    };
    struct forger forger;
    struct ns_entry entry;
    ck_assert(ns_name(mapping_name, &entry, &forger.header));
    forger.header.type = NS_TYPE_SECTION;
    forger.header.description_size = (uint32_t)sizes[_i][0];
    forger.sent = sizes[_i][1];
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    memcpy(address.sun_path + 1, entry.key, strlen(entry.key));
    socklen_t address_size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(entry.key));
    forger.listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(forger.listener, 0);
    ck_assert_int_eq(bind(forger.listener, (struct sockaddr *)&address, address_size), 0);
    ck_assert_int_eq(listen(forger.listener, 4), 0);
    forger.memfd = memfd_create("forged", MFD_CLOEXEC);
    ck_assert_int_ge(forger.memfd, 0);
    ck_assert_int_eq(ftruncate(forger.memfd, 2 * P), 0);
    int descriptors = descriptor_count();
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, forge_answer, &forger), 0);
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, mapping_name));
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    void *failed;
    ck_assert_int_eq(pthread_join(thread, &failed), 0);
    ck_assert_ptr_null(failed);
    ck_assert_int_eq(descriptor_count(), descriptors);
    close(forger.memfd);
    close(forger.listener);
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, P, mapping_name);
    ck_assert_last_error(ERROR_SUCCESS);
    ck_assert(CloseHandle(h));
}
END_TEST

START_TEST(named_file_mapping)
{
    HANDLE file = file_of_size(GENERIC_READ | GENERIC_WRITE, 0);
    HANDLE m = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, G, mapping_name);
    ck_assert_last_error(ERROR_SUCCESS);
    ck_assert(CloseHandle(file));                       /* the mapping keeps the file */
    HANDLE opened = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, mapping_name);
    char *view = MapViewOfFile(opened, FILE_MAP_WRITE, 0, 0, 0);
    strcpy(view, "to the file");
    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(m));
    ck_assert(CloseHandle(opened));
    FILE *f = fopen(path, "r");
    char buffer[16] = { 0 };
    ck_assert_uint_eq(fread(buffer, 1, 11, f), 11);
    fclose(f);
    ck_assert_str_eq(buffer, "to the file");
}
END_TEST

/* Found by fuzzing: a paging-file section of nearly 2^64 bytes was created
 * (its memfd's length overflowed to a few pages).  Windows refuses a
 * section no view could hold: STATUS_SECTION_TOO_BIG. */
START_TEST(section_larger_than_address_space)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    uint64_t above = (uint64_t)(uintptr_t)info.lpMaximumApplicationAddress + 1;
    const uint64_t sizes[] = { 0xfffffffffffff000ull, 0xffffffffffffffffull, 0x8000000000000000ull, above };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        SetLastError(0xdead);
        ck_assert_ptr_null(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, (DWORD)(sizes[i] >> 32),
                                              (DWORD)sizes[i], NULL));
        ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    }
}
END_TEST

START_TEST(rarely_used_arguments)
{
    HANDLE file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD written;
    ck_assert(WriteFile(file, "not a PE image", 14, &written, NULL));
    SetLastError(0);
    ck_assert_ptr_null(CreateFileMappingA(file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL));
    ck_assert_last_error(ERROR_BAD_EXE_FORMAT);                 /* a file that is no image */

    HANDLE mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, 0, NULL);
    ck_assert_ptr_nonnull(mapping);
    SetLastError(0);
    ck_assert_ptr_null(MapViewOfFile(mapping, FILE_MAP_READ | 0x100000, 0, 0, 0));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);              /* an unknown access bit */
    char *view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    ck_assert_mem_eq(view, "not a PE image", 14);

    SetLastError(0);
    ck_assert_ptr_null(OpenFileMappingW(FILE_MAP_READ, FALSE, NULL));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);

    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(mapping));
    ck_assert(CloseHandle(file));
}
END_TEST

/* Fact 139: commitment belongs to the section, so a page committed through
 * one view is usable through every other at once, in this process and in
 * another, with no query in between; a page nobody committed still faults. */
START_TEST(commit_is_usable_in_every_view_at_once)
{
    /* Another view's page becomes usable at its first access, which faults
     * and is retried once the fault handler has synced the commitment:
     * memcheck reports that first access as an invalid read. */
    if (UNDER_VALGRIND)
        return;
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, MB, mapping_name);
    char *a = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    char *b = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert(a && b);
    ck_assert_ptr_eq(VirtualAlloc(a + G, P, MEM_COMMIT, PAGE_READWRITE), a + G);
    a[G] = 'a';
    ck_assert_int_eq(b[G], 'a');
    b[G + 1] = 'b';
    ck_assert_int_eq(a[G + 1], 'b');
    ck_assert_not_readable(b + G + P);

    fflush(NULL);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        HANDLE other = OpenFileMappingA(FILE_MAP_WRITE, FALSE, mapping_name);
        char *view = other ? MapViewOfFile(other, FILE_MAP_WRITE, 0, 0, 0) : NULL;
        BOOL ok = view && view[G] == 'a' && VirtualAlloc(view + 2 * G, P, MEM_COMMIT, PAGE_READWRITE);
        if (ok)
            view[2 * G] = 'c';
        _exit(ok ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(b[2 * G], 'c');
    ck_assert_view(query(a + 2 * G), a + 2 * G, PAGE_READWRITE, P, MEM_COMMIT, PAGE_READWRITE);
    ck_assert(UnmapViewOfFile(a));
    ck_assert(UnmapViewOfFile(b));
    ck_assert(CloseHandle(m));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("mapping");
    TCase *tc = tcase_create("mapping");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, create_validation);
    tcase_add_test(tc, section_larger_than_address_space);
    tcase_add_test(tc, rarely_used_arguments);
    tcase_add_test(tc, file_backed_sizes);
    tcase_add_test(tc, file_views_reach_the_file);
    tcase_add_test(tc, view_access_rules);
    tcase_add_test(tc, views_share_pages_and_unmap_from_inside);
    tcase_add_test(tc, sec_reserve_commit);
    tcase_add_test(tc, commit_is_usable_in_every_view_at_once);
    tcase_add_test(tc, protect_and_copy_on_write);
    tcase_add_test(tc, names_and_lifetime);
    tcase_add_test(tc, another_type_owns_the_name);
    tcase_add_loop_test(tc, malformed_answers_are_refused, 0, 4);
    tcase_add_test(tc, named_file_mapping);
    suite_add_tcase(suite, tc);
    return suite;
}
