/* Fault injection (issue 8): each scenario runs once to count the kernel
 * calls and metadata allocations it makes, then once per call with that call
 * failing.  After every injected failure the failing API call must have
 * reported the Windows error for the errno, the address-space map must
 * agree with the kernel's, nothing may be left behind (mappings,
 * descriptors, handles, named objects, malloc'ed bytes), and the scenario
 * must then run clean.  Built only with --enable-fault-injection. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "mapcheck.h"
#define INJECT_CONTROL_ONLY
#include "inject.h"

#define P 0x1000
#define G 0x10000
#define MB 0x100000

/* glibc's per-thread cache keeps freed blocks counted as in use, which would
 * hide the malloc'ed bytes the snapshots compare: run without it.  Under the
 * LD_PRELOAD shim malloc is the library itself, so the test's own
 * allocations would move what is compared (and meet the injected failures):
 * the sweep skips itself there. */
__attribute__((constructor)) static void without_malloc_cache(int argc, char **argv)
{
    (void)argc;
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "libw32mem-preload")) {
        fputs("SKIP: under the shim malloc is the library being swept\n", stderr);
        _exit(77);
    }
    if (getenv("W32MEM_INJECT_NO_TCACHE"))
        return;
    setenv("W32MEM_INJECT_NO_TCACHE", "1", 1);
    setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
    execv("/proc/self/exe", argv);
}

/* --- Scenarios ---------------------------------------------------------------
 * A scenario is what a careful program does: each step that fails records
 * its error and skips to the cleanup, which releases whatever was made; the
 * cleanup itself must succeed (the injected failure is one-shot). */

static DWORD step_error;
static const char *failed_step;

#define STEP(ok) do { \
    if (!(ok)) { step_error = GetLastError(); failed_step = #ok; goto cleanup; } \
} while (0)
#define BEGIN() (step_error = 0, failed_step = NULL)
#define STEPS_SUCCEEDED() (failed_step == NULL)

static char scratch[64];
static char path[128];
static char name[64];

/* Reserve, commit, write, protect, decommit, recommit, reset, release. */
static BOOL scenario_virtual(void)
{
    BEGIN();
    char *base = NULL;
    DWORD old;
    STEP(base = VirtualAlloc(NULL, 4 * MB, MEM_RESERVE, PAGE_NOACCESS));
    STEP(VirtualAlloc(base + G, 8 * P, MEM_COMMIT, PAGE_READWRITE));
    memset(base + G, 0x5a, 8 * P);
    STEP(VirtualProtect(base + G + 2 * P, 2 * P, PAGE_READONLY, &old));
    STEP(VirtualProtect(base + G + 3 * P, 3 * P, PAGE_EXECUTE_READ, &old));
    STEP(VirtualAlloc(base + G + 7 * P, 4 * P, MEM_COMMIT, PAGE_READWRITE));
    STEP(VirtualFree(base + G + P, 2 * P, MEM_DECOMMIT));
    STEP(VirtualAlloc(base + G, 16 * P, MEM_COMMIT, PAGE_READWRITE));
    STEP(VirtualAlloc(base + G, 4 * P, MEM_RESET, PAGE_NOACCESS));
    STEP(VirtualProtect(base + G, 16 * P, PAGE_READWRITE, &old));
    STEP(VirtualFree(base, 0, MEM_RELEASE));
    base = NULL;
cleanup:
    if (base)
        ck_assert(VirtualFree(base, 0, MEM_RELEASE));
    return STEPS_SUCCEEDED();
}

/* One-step allocations: commit with reserve (a partial granule, so an
 * inaccessible tail), top-down, locked pages, guard pages, write watching. */
static BOOL scenario_virtual_special(void)
{
    BEGIN();
    char *small = NULL, *top = NULL, *watched = NULL;
    DWORD old;
    STEP(small = VirtualAlloc(NULL, 3 * P, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE));
    small[0] = 1;
    STEP(VirtualLock(small, 2 * P));
    STEP(VirtualUnlock(small, 2 * P));
    STEP(VirtualProtect(small + P, P, PAGE_READWRITE | PAGE_GUARD, &old));
    STEP(VirtualProtect(small + P, P, PAGE_READWRITE, &old));
    STEP(top = VirtualAlloc(NULL, 2 * G, MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE));
    STEP(watched = VirtualAlloc(NULL, G, MEM_COMMIT | MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE));
    watched[P] = 1;
    STEP(VirtualFree(watched, 0, MEM_RELEASE));
    watched = NULL;
    STEP(VirtualFree(top, 0, MEM_RELEASE));
    top = NULL;
    STEP(VirtualFree(small, 0, MEM_RELEASE));
    small = NULL;
cleanup:
    if (watched)
        ck_assert(VirtualFree(watched, 0, MEM_RELEASE));
    if (top)
        ck_assert(VirtualFree(top, 0, MEM_RELEASE));
    if (small)
        ck_assert(VirtualFree(small, 0, MEM_RELEASE));
    return STEPS_SUCCEEDED();
}

#define HEAP_BLOCKS 300

/* A private heap: many small blocks (the low-fragmentation front end
 * included), enough to grow it, large blocks, reallocation, destruction. */
static BOOL scenario_heap(void)
{
    BEGIN();
    HANDLE heap = NULL;
    static char *blocks[HEAP_BLOCKS];
    ULONG lfh = 2;
    STEP(heap = HeapCreate(0, 0, 0));
    STEP(HeapSetInformation(heap, HeapCompatibilityInformation, &lfh, sizeof(lfh)));
    for (int i = 0; i < HEAP_BLOCKS; i++) {
        SIZE_T size = i % 50 == 49 ? 2 * MB : i % 3 == 0 ? 24 : (SIZE_T)(i * 97 % 20000 + 1);
        STEP(blocks[i] = HeapAlloc(heap, 0, size));
        blocks[i][0] = (char)i;
    }
    for (int i = 0; i < HEAP_BLOCKS; i += 2)
        STEP(HeapFree(heap, 0, blocks[i]));
    for (int i = 1; i < HEAP_BLOCKS; i += 10) {
        char *grown;
        STEP(grown = HeapReAlloc(heap, 0, blocks[i], 64 * 1024 + (SIZE_T)i * 4096));
        ck_assert_int_eq(grown[0], (char)i);
        blocks[i] = grown;
    }
    STEP(HeapValidate(heap, 0, NULL));
    STEP(HeapDestroy(heap));
    heap = NULL;
cleanup:
    if (heap) {
        ck_assert(HeapValidate(heap, 0, NULL));
        ck_assert(HeapDestroy(heap));
    }
    /* Give back the segments and large blocks destroyed heaps leave cached
     * for the next, so that every run maps and commits afresh.  A release
     * the kernel refused stays cached: the second compaction retries it. */
    HeapCompact(GetProcessHeap(), 0);
    HeapCompact(GetProcessHeap(), 0);
    return STEPS_SUCCEEDED();
}

/* Create, write, read back, resize, close, delete. */
static BOOL scenario_file(void)
{
    BEGIN();
    HANDLE file = INVALID_HANDLE_VALUE;
    BOOL exists = FALSE;
    static char buffer[3 * P];
    DWORD done;
    STEP((file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                             FILE_ATTRIBUTE_NORMAL, NULL)) != INVALID_HANDLE_VALUE);
    exists = TRUE;
    memset(buffer, 'w', sizeof(buffer));
    STEP(WriteFile(file, buffer, sizeof(buffer), &done, NULL) && done == sizeof(buffer));
    STEP(SetFilePointer(file, P, NULL, FILE_BEGIN) == P);
    STEP(ReadFile(file, buffer, P, &done, NULL) && done == P);
    ck_assert_int_eq(buffer[P - 1], 'w');
    STEP(SetFilePointer(file, 5 * P, NULL, FILE_BEGIN) == 5 * P);
    STEP(SetEndOfFile(file));
    STEP(CloseHandle(file));
    file = INVALID_HANDLE_VALUE;
    STEP((file = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                             FILE_ATTRIBUTE_NORMAL, NULL)) != INVALID_HANDLE_VALUE);
    STEP(GetFileSize(file, NULL) == 5 * P);
    STEP(CloseHandle(file));
    file = INVALID_HANDLE_VALUE;
    STEP(DeleteFileA(path));
    exists = FALSE;
cleanup:
    if (file != INVALID_HANDLE_VALUE)
        ck_assert(CloseHandle(file));
    if (exists)
        ck_assert(DeleteFileA(path));
    return STEPS_SUCCEEDED();
}

/* A second process opens the named section, checks what this one wrote at
 * the start of a view and writes its own mark after it. */
static BOOL child_sees(const char *object, DWORD size)
{
    fflush(NULL);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        inject_disarm();
        HANDLE mapping = OpenFileMappingA(FILE_MAP_WRITE, FALSE, object);
        char *view = mapping ? MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, size) : NULL;
        BOOL ok = view && view[0] == 'p' && view[size - 1] == 'p';
        if (view)
            view[1] = 'c';
        _exit(ok && UnmapViewOfFile(view) && CloseHandle(mapping) ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Proves in a second process that the name is gone. */
static void ck_assert_name_gone(void)
{
    fflush(NULL);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        inject_disarm();
        HANDLE mapping = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
        _exit(!mapping && GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a second process still finds %s", name);
}

/* Named page-file sections, committed and SEC_RESERVE, shared with a second
 * process; an unnamed one; views mapped, committed in, unmapped; closed. */
static BOOL scenario_section(void)
{
    BEGIN();
    HANDLE named = NULL, opened = NULL, reserved = NULL;
    char *view = NULL, *second = NULL, *sparse = NULL, *other = NULL;
    const DWORD size = 4 * G;
    STEP(named = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, name));
    STEP(view = MapViewOfFile(named, FILE_MAP_WRITE, 0, 0, 0));
    view[0] = view[size - 1] = 'p';
    STEP(child_sees(name, size));
    STEP(opened = OpenFileMappingA(FILE_MAP_READ, FALSE, name));
    STEP(second = MapViewOfFile(opened, FILE_MAP_READ, 0, G, G));
    ck_assert_int_eq(view[1], 'c');
    STEP(reserved = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, size, NULL));
    STEP(sparse = MapViewOfFile(reserved, FILE_MAP_WRITE, 0, 0, 0));
    STEP(other = MapViewOfFile(reserved, FILE_MAP_WRITE, 0, 0, 0));
    /* A commit in one view shows in the other only if it happened. */
    BOOL committed = VirtualAlloc(sparse + G, 3 * P, MEM_COMMIT, PAGE_READWRITE) != NULL;
    DWORD error = GetLastError();
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(other + G, &info, sizeof(info)), sizeof(info));
    ck_assert_msg(committed || info.State == MEM_RESERVE, "a failed commit shows in another view");
    /* (The other view's own refresh may be what failed: it retries.) */
    ck_assert_msg(!committed || inject_fired() || info.State == MEM_COMMIT, "a commit does not show in another view");
    SetLastError(error);
    STEP(committed);
    sparse[G] = 1;
    ck_assert_int_eq(other[G], 1);      /* even when its refresh failed: the fault brings it in */
    STEP(UnmapViewOfFile(other));
    other = NULL;
    STEP(UnmapViewOfFile(sparse));
    sparse = NULL;
    STEP(CloseHandle(reserved));
    reserved = NULL;
    STEP(UnmapViewOfFile(second));
    second = NULL;
    STEP(CloseHandle(opened));
    opened = NULL;
    STEP(UnmapViewOfFile(view));
    view = NULL;
    STEP(CloseHandle(named));
    named = NULL;
cleanup:
    if (other)
        ck_assert(UnmapViewOfFile(other));
    if (sparse)
        ck_assert(UnmapViewOfFile(sparse));
    if (reserved)
        ck_assert(CloseHandle(reserved));
    if (second)
        ck_assert(UnmapViewOfFile(second));
    if (opened)
        ck_assert(CloseHandle(opened));
    if (view)
        ck_assert(UnmapViewOfFile(view));
    if (named)
        ck_assert(CloseHandle(named));
    ck_assert_name_gone();
    return STEPS_SUCCEEDED();
}

/* A named section over a file that it grows, shared with a second process;
 * a copy-on-write view; flushed, unmapped, closed, deleted. */
static BOOL scenario_file_section(void)
{
    BEGIN();
    HANDLE file = INVALID_HANDLE_VALUE, mapping = NULL;
    BOOL exists = FALSE;
    char *view = NULL, *copy = NULL;
    const DWORD size = 2 * G;
    DWORD old;
    STEP((file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                             FILE_ATTRIBUTE_NORMAL, NULL)) != INVALID_HANDLE_VALUE);
    exists = TRUE;
    STEP(mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, size, name));
    STEP(view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0));
    view[0] = view[size - 1] = 'p';
    STEP(FlushViewOfFile(view, 0));
    STEP(child_sees(name, size));
    ck_assert_int_eq(view[1], 'c');
    STEP(copy = MapViewOfFile(mapping, FILE_MAP_COPY, 0, 0, G));
    copy[2] = 'x';
    STEP(VirtualProtect(copy + P, P, PAGE_READONLY, &old));
    ck_assert_int_eq(view[2], 0);
    STEP(UnmapViewOfFile(copy));
    copy = NULL;
    STEP(UnmapViewOfFile(view));
    view = NULL;
    STEP(CloseHandle(mapping));
    mapping = NULL;
    STEP(CloseHandle(file));
    file = INVALID_HANDLE_VALUE;
    STEP(DeleteFileA(path));
    exists = FALSE;
cleanup:
    if (copy)
        ck_assert(UnmapViewOfFile(copy));
    if (view)
        ck_assert(UnmapViewOfFile(view));
    if (mapping)
        ck_assert(CloseHandle(mapping));
    if (file != INVALID_HANDLE_VALUE)
        ck_assert(CloseHandle(file));
    if (exists)
        ck_assert(DeleteFileA(path));
    ck_assert_name_gone();
    return STEPS_SUCCEEDED();
}

/* --- The sweep ---------------------------------------------------------------- */

/* What the kernel would say for each primitive when it runs out of something. */
static int injected_errno(enum inject_primitive primitive)
{
    switch (primitive) {
    case INJECT_MEMFD_CREATE: case INJECT_OPEN: case INJECT_OPENAT: case INJECT_FCNTL:
    case INJECT_USERFAULTFD:
        return EMFILE;
    case INJECT_FTRUNCATE: case INJECT_WRITE: case INJECT_LINKAT:
        return ENOSPC;
    case INJECT_FLOCK:
        return ENOLCK;
    case INJECT_READ:
        return EIO;
    default:
        return ENOMEM;
    }
}

/* The Windows errors that say what the injected errno means. */
static BOOL expected_error(int err, DWORD error)
{
    switch (err) {
    case ENOMEM:
        return error == ERROR_NOT_ENOUGH_MEMORY || error == ERROR_OUTOFMEMORY ||
               error == ERROR_COMMITMENT_LIMIT || error == ERROR_WORKING_SET_QUOTA ||
               error == ERROR_NO_SYSTEM_RESOURCES;
    case EMFILE:
        return error == ERROR_TOO_MANY_OPEN_FILES;
    case ENOSPC:
        /* Page-file sections and names live on tmpfs: full is out of memory. */
        return error == ERROR_DISK_FULL || error == ERROR_NOT_ENOUGH_MEMORY;
    case ENOLCK:
        return error == ERROR_NO_SYSTEM_RESOURCES;
    case EIO:
        return error == ERROR_GEN_FAILURE;
    default:
        return FALSE;
    }
}

static unsigned long points_swept, points_failed, points_tolerated;

static void ck_assert_clean(const char *scenario, const struct holdings *before, const char *when)
{
    char why[256];
    ck_assert_msg(mapcheck_consistent(why, sizeof(why)), "%s, %s: the map disagrees with the kernel: %s",
                  scenario, when, why);
    static struct holdings after;
    holdings_take(&after, name);
    ck_assert_msg(holdings_same(before, &after, why, sizeof(why)), "%s, %s: left behind: %s", scenario, when, why);
}

static void sweep(const char *scenario_name, BOOL (*scenario)(void))
{
    /* Twice first, so that the library's own pools and tables have grown to
     * what the scenario needs and are no longer news in the snapshots. */
    ck_assert_msg(scenario(), "%s: %s failed (%u)", scenario_name, failed_step, (unsigned)step_error);
    ck_assert_msg(scenario(), "%s: %s failed (%u)", scenario_name, failed_step, (unsigned)step_error);
    static struct holdings before;
    holdings_take(&before, name);
    inject_reset_counts();
    ck_assert(scenario());
    unsigned long counts[INJECT_PRIMITIVES];
    for (int primitive = 0; primitive < INJECT_PRIMITIVES; primitive++)
        counts[primitive] = inject_calls(primitive);
    ck_assert_clean(scenario_name, &before, "without injection");

    unsigned long swept = 0, failed = 0, tolerated = 0, unreached = 0;
    if (getenv("INJECT_VERBOSE"))
        for (int primitive = 0; primitive < INJECT_PRIMITIVES; primitive++)
            fprintf(stderr, "%s: %lu %s calls\n", scenario_name, counts[primitive], inject_name(primitive));
    for (int primitive = 0; primitive < INJECT_PRIMITIVES; primitive++) {
        for (unsigned long nth = 1; nth <= counts[primitive]; nth++) {
            char when[96];
            snprintf(when, sizeof(when), "%s call %lu failing", inject_name(primitive), nth);
            int err = injected_errno(primitive);
            inject_arm(primitive, nth, err);
            BOOL completed = scenario();
            BOOL fired = inject_fired();
            inject_disarm();
            swept++;
            if (completed) {
                tolerated += fired;
                unreached += !fired;
                if (getenv("INJECT_VERBOSE"))
                    fprintf(stderr, "%s, %s: %s\n", scenario_name, when, fired ? "tolerated" : "not reached");
            } else {
                ck_assert_msg(fired, "%s, %s: %s failed (%u) without an injected failure",
                              scenario_name, when, failed_step, (unsigned)step_error);
                ck_assert_msg(expected_error(err, step_error), "%s, %s: %s failed with %u, not the error for %s",
                              scenario_name, when, failed_step, (unsigned)step_error, strerror(err));
                failed++;
            }
            ck_assert_clean(scenario_name, &before, when);
            ck_assert_msg(scenario(), "%s, after %s: %s failed (%u)", scenario_name, when, failed_step,
                          (unsigned)step_error);
            ck_assert_clean(scenario_name, &before, "the run after");
        }
    }
    printf("%s: %lu injection points, %lu failed with the right error, %lu tolerated, %lu not reached\n",
           scenario_name, swept, failed, tolerated, unreached);
    ck_assert_uint_gt(failed, 0);
    points_swept += swept;
    points_failed += failed;
    points_tolerated += tolerated;
}

static void setup(void)
{
    snprintf(scratch, sizeof(scratch), "/tmp/w32mem-inject-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    snprintf(path, sizeof(path), "%s/file.bin", scratch);
    snprintf(name, sizeof(name), "w32mem inject %d", (int)getpid());
}

static void teardown(void)
{
    ck_assert_int_eq(rmdir(scratch), 0);
}

START_TEST(virtual_reserve_commit_protect_release) { sweep("virtual", scenario_virtual); }
END_TEST

START_TEST(virtual_special_allocations) { sweep("virtual-special", scenario_virtual_special); }
END_TEST

START_TEST(heap_create_grow_realloc_destroy) { sweep("heap", scenario_heap); }
END_TEST

START_TEST(file_create_write_read_delete) { sweep("file", scenario_file); }
END_TEST

START_TEST(section_named_shared_between_processes) { sweep("section", scenario_section); }
END_TEST

START_TEST(file_section_named_shared_between_processes) { sweep("file-section", scenario_file_section); }
END_TEST

/* The injected errno reaches the program as the Windows error through the
 * whole stack, and the switch counts without failing when disarmed. */
START_TEST(injection_is_one_shot)
{
    inject_reset_counts();
    inject_arm(INJECT_MMAP, 1, ENOMEM);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert(inject_fired());
    void *base = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_nonnull(base);
    ck_assert(VirtualFree(base, 0, MEM_RELEASE));
    ck_assert_uint_ge(inject_calls(INJECT_MMAP), 2);
    ck_assert_uint_ge(inject_calls(INJECT_MUNMAP), 1);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("inject");
    TCase *tc = tcase_create("sweep");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, injection_is_one_shot);
    tcase_add_test(tc, virtual_reserve_commit_protect_release);
    tcase_add_test(tc, virtual_special_allocations);
    tcase_add_test(tc, heap_create_grow_realloc_destroy);
    tcase_add_test(tc, file_create_write_read_delete);
    tcase_add_test(tc, section_named_shared_between_processes);
    tcase_add_test(tc, file_section_named_shared_between_processes);
    suite_add_tcase(suite, tc);
    return suite;
}
