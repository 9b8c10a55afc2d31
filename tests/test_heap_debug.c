/* The heap's debug checks (windows-behaviour.md fact 86, Wine's
 * test_heap_checks): tail checking and free checking, turned on by
 * HeapCreate's flags or, for every heap of a process, by W32MEM_GLOBALFLAG
 * (standing in for Windows' global flags). */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <windows.h>

#define DEBUG_FLAGS (HEAP_TAIL_CHECKING_ENABLED | HEAP_FREE_CHECKING_ENABLED)
#define LARGE_SIZE ((SIZE_T)3000 * 1024 + 37)

/* What a 32-bit fill pattern puts in the byte at address p. */
static unsigned char pattern_at(uint32_t pattern, const unsigned char *p)
{
    return (unsigned char)(pattern >> (8 * ((uintptr_t)p % 4)));
}

static bool has_fill(const unsigned char *p, SIZE_T size, uint32_t pattern)
{
    for (SIZE_T i = 0; i < size; i++)
        if (p[i] != pattern_at(pattern, p + i))
            return false;
    return true;
}

static SIZE_T tail_bytes(const unsigned char *p, SIZE_T size)
{
    SIZE_T count = 0;
    while (count < 64 && p[size + count] == 0xAB)
        count++;
    return count;
}

/* The checks of fact 86 on one heap with the given debug flags; returns
 * the first failed check's line, 0 when all pass.  (Shared with the child
 * processes that test W32MEM_GLOBALFLAG, so it reports rather than asserts.) */
#define CHECK(condition) do { if (!(condition)) return __LINE__; } while (0)
static int check_heap(HANDLE heap, DWORD flags)
{
    bool tail = flags & HEAP_TAIL_CHECKING_ENABLED, free_check = flags & HEAP_FREE_CHECKING_ENABLED;
    unsigned char *p = HeapAlloc(heap, HEAP_ZERO_MEMORY, 17);
    CHECK(p && HeapValidate(heap, 0, p) && HeapSize(heap, 0, p) == 17);
    CHECK(p[14] == 0 && p[15] == 0 && p[16] == 0);
    if (tail)
        CHECK(tail_bytes(p, 17) >= 8);
    else
        CHECK(p[17] == 0 && p[18] == 0 && p[23] == 0);     /* zeroed to 8 bytes (fact 112) */
    CHECK(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, p, 14) == p);
    if (tail)
        CHECK(p[14] == 0xAB && p[15] == 0xAB && p[16] == 0xAB && tail_bytes(p, 14) >= 8);
    CHECK(HeapFree(heap, 0, p));

    /* A smashed tail: HeapValidate finds it, for the block and the heap. */
    p = HeapAlloc(heap, HEAP_ZERO_MEMORY, 17);
    unsigned char old = p[17];
    p[17] = 0xCC;
    if (tail) {
        CHECK(!HeapValidate(heap, 0, p));
        CHECK(!HeapValidate(heap, 0, NULL));
        p[17] = old;
        CHECK(HeapValidate(heap, 0, p) && HeapValidate(heap, 0, NULL));
        CHECK(HeapSize(heap, 0, p) == 17);
        unsigned char *shrunk = HeapReAlloc(heap, 0, p, 14);
        CHECK(shrunk);
        p = shrunk;
    } else {
        CHECK(HeapValidate(heap, 0, p) && HeapValidate(heap, 0, NULL));
    }
    CHECK(HeapFree(heap, 0, p));

    /* New blocks read 0xBAADF00D, freed ones 0xFEEEFEEE past the links. */
    p = HeapAlloc(heap, 0, 37);
    CHECK(p);
    if (free_check)
        CHECK(has_fill(p, 37, 0xBAADF00D));
    memset(p, 0xCC, 37);
    CHECK(HeapFree(heap, 0, p));
    if (free_check) {
        CHECK(p[16] == 0xEE && p[17] == 0xFE && p[18] == 0xEE && p[19] == 0xFE);
        CHECK(HeapValidate(heap, 0, NULL));
        old = p[16];
        p[16] = 0xCC;
        CHECK(!HeapValidate(heap, 0, NULL));
        p[16] = old;
        CHECK(HeapValidate(heap, 0, NULL));
    }

    /* Large blocks: no tail check, and with debug checks the bytes past the
     * end read 0, even where an old large block was (without them a freed
     * large block may be reused as it is, as any freed memory). */
    for (int round = 0; round < 2; round++) {
        SIZE_T size = LARGE_SIZE - (SIZE_T)round * 4096;
        p = HeapAlloc(heap, 0, size);
        CHECK(p && HeapValidate(heap, 0, p) && HeapSize(heap, 0, p) == size);
        if (tail || free_check)
            CHECK(p[size - 2] == 0 && p[size - 1] == 0 && p[size] == 0 && p[size + 1] == 0 && p[size + 2] == 0);
        memset(p, 0x77, size);
        CHECK(HeapFree(heap, 0, p));
    }

    if (tail)
        for (SIZE_T size = 0; size < 64; size++) {
            p = HeapAlloc(heap, 0, size);
            CHECK(p && tail_bytes(p, size) >= 8 && HeapSize(heap, 0, p) == size);
            CHECK(HeapFree(heap, 0, p));
        }
    CHECK(HeapValidate(heap, 0, NULL));
    return 0;
}
#undef CHECK

START_TEST(debug_flags_of_heap_create)
{
    static const DWORD variants[] = { 0, HEAP_TAIL_CHECKING_ENABLED, HEAP_FREE_CHECKING_ENABLED, DEBUG_FLAGS };
    DWORD flags = variants[_i];
    HANDLE heap = HeapCreate(flags, 0, 0);
    ck_assert_int_eq(check_heap(heap, flags), 0);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(corrupted_free_block_inside_a_coalesced_one)
{
    HANDLE heap = HeapCreate(HEAP_FREE_CHECKING_ENABLED, 0, 0);
    unsigned char *blocks[6];
    for (int i = 0; i < 6; i++)
        blocks[i] = HeapAlloc(heap, 0, 200);
    /* 1, 2 and 3 coalesce into one free block. */
    ck_assert(HeapFree(heap, 0, blocks[1]));
    ck_assert(HeapFree(heap, 0, blocks[3]));
    ck_assert(HeapFree(heap, 0, blocks[2]));
    ck_assert(HeapValidate(heap, 0, NULL));
    for (int i = 1; i <= 3; i++) {
        /* Where block i's header was, and deep in its data: both fill now. */
        unsigned char *spots[] = { blocks[i] - 8, blocks[i] + 150 };
        for (int s = i == 1 ? 1 : 0; s < 2; s++) {
            unsigned char old = *spots[s];
            *spots[s] ^= 0x10;
            ck_assert(!HeapValidate(heap, 0, NULL));
            *spots[s] = old;
            ck_assert(HeapValidate(heap, 0, NULL));
        }
    }
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* Every path that makes or changes a free or busy block keeps the fills
 * HeapValidate checks: split, coalesce both ways, in-place resize, growth
 * of the segment, compaction. */
START_TEST(random_operations_keep_the_fills)
{
    enum { SLOTS = 64, STEPS = 3000 };
    HANDLE heap = HeapCreate(DEBUG_FLAGS, 0, 0);
    unsigned char *blocks[SLOTS] = { NULL };
    SIZE_T sizes[SLOTS] = { 0 };
    uint64_t state = 99;
    for (int step = 0; step < STEPS; step++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        int slot = (int)(state >> 40) % SLOTS;
        SIZE_T size = (state >> 20) % 4 ? (state >> 24) % 700 : (state >> 24) % 90000;
        if (!blocks[slot]) {
            blocks[slot] = HeapAlloc(heap, (state >> 10) & 1 ? HEAP_ZERO_MEMORY : 0, size);
            ck_assert_ptr_nonnull(blocks[slot]);
            sizes[slot] = size;
        } else if ((state >> 12) % 3 == 0) {
            ck_assert(HeapFree(heap, 0, blocks[slot]));
            blocks[slot] = NULL;
        } else {
            DWORD flags = (state >> 14) & 1 ? HEAP_REALLOC_IN_PLACE_ONLY : 0;
            unsigned char *resized = HeapReAlloc(heap, flags, blocks[slot], size);
            if (resized) {
                blocks[slot] = resized;
                sizes[slot] = size;
            } else {
                ck_assert(flags);
            }
        }
        if (blocks[slot]) {
            memset(blocks[slot], 0x5A, sizes[slot]);
            ck_assert_uint_ge(tail_bytes(blocks[slot], sizes[slot]), 8);
        }
        if (step % 500 == 499)
            HeapCompact(heap, 0);
        if (step % 8 == 0)
            ck_assert(HeapValidate(heap, 0, NULL));
    }
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* The child: its process heap and a new heap behave as the flags say. */
static int global_flag_child(DWORD expected)
{
    int failed = check_heap(GetProcessHeap(), expected);
    if (!failed) {
        HANDLE heap = HeapCreate(0, 0, 0);
        failed = check_heap(heap, expected);
        HeapDestroy(heap);
    }
    if (failed)
        fprintf(stderr, "global flag child (heap flags %#lx): check at line %d failed\n",
                (unsigned long)expected, failed);
    return failed ? 1 : 0;
}

static int run_child(const char *global_flag, DWORD expected)
{
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        if (global_flag)
            setenv("W32MEM_GLOBALFLAG", global_flag, 1);
        else
            unsetenv("W32MEM_GLOBALFLAG");
        char argument[32];
        snprintf(argument, sizeof(argument), "%lu", (unsigned long)expected);
        /* The program's own path: under valgrind /proc/self/exe is
         * valgrind, but readlink on it answers with the program. */
        char path[4096];
        ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
        if (length <= 0)
            _exit(127);
        path[length] = '\0';
        execl(path, "test_heap_debug", "--global-flag-child", argument, (char *)NULL);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

START_TEST(global_flag_turns_checks_on_for_every_heap)
{
    ck_assert_int_eq(run_child(NULL, 0), 0);
    ck_assert_int_eq(run_child("0x10", HEAP_TAIL_CHECKING_ENABLED), 0);
    ck_assert_int_eq(run_child("0x20", HEAP_FREE_CHECKING_ENABLED), 0);
    ck_assert_int_eq(run_child("0x30", DEBUG_FLAGS), 0);
    ck_assert_int_eq(run_child("64", DEBUG_FLAGS), 0);     /* FLG_HEAP_VALIDATE_PARAMETERS */
    /* The child's checks can fail: asking it to expect checks that are off. */
    ck_assert_int_ne(run_child(NULL, DEBUG_FLAGS), 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("heap debug checks");
    TCase *checks = tcase_create("checks");
    tcase_set_timeout(checks, 60);
    tcase_add_loop_test(checks, debug_flags_of_heap_create, 0, 4);
    tcase_add_test(checks, corrupted_free_block_inside_a_coalesced_one);
    tcase_add_test(checks, random_operations_keep_the_fills);
    tcase_add_test(checks, global_flag_turns_checks_on_for_every_heap);
    suite_add_tcase(suite, checks);
    return suite;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--global-flag-child"))
        return global_flag_child((DWORD)strtoul(argv[2], NULL, 0));
    SRunner *runner = srunner_create(make_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
