/* The C allocator under the LD_PRELOAD shim: malloc's blocks are process-heap
 * blocks, and every member of the family keeps its C contract. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <windows.h>

#include <check.h>
#include "shim_exec.h"

/* These tests misuse the allocator on purpose (foreign pointers, absurd
 * sizes); passing values through here keeps the compiler from rejecting
 * what it can see. */
static void *opaque(void *pointer)
{
    __asm__("" : "+r"(pointer));
    return pointer;
}

static size_t opaque_size(size_t size)
{
    __asm__("" : "+r"(size));
    return size;
}

START_TEST(malloc_blocks_are_process_heap_blocks)
{
    char *block = malloc(123);
    ck_assert_ptr_nonnull(block);
    ck_assert(HeapValidate(GetProcessHeap(), 0, block));
    ck_assert_uint_eq(HeapSize(GetProcessHeap(), 0, block), 123);
    ck_assert_uint_ge(malloc_usable_size(block), 123);
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    int found = 0;
    while (HeapWalk(GetProcessHeap(), &entry))
        found |= entry.lpData == block && (entry.wFlags & PROCESS_HEAP_ENTRY_BUSY);
    ck_assert(found);
    ck_assert(HeapFree(GetProcessHeap(), 0, block));
    void *from_heap = HeapAlloc(GetProcessHeap(), 0, 40);
    free(opaque(from_heap));             /* and the other way round */
    ck_assert(!HeapValidate(GetProcessHeap(), 0, from_heap));
}
END_TEST

START_TEST(calloc_zeroes_and_checks_overflow)
{
    unsigned char *block = calloc(1000, 7);
    for (int i = 0; i < 7000; i++)
        ck_assert_int_eq(block[i], 0);
    free(block);
    errno = 0;
    ck_assert_ptr_null(calloc(opaque_size(SIZE_MAX / 2), 3));
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_ptr_null(malloc(opaque_size(SIZE_MAX - 10)));
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

START_TEST(realloc_cases)
{
    char *block = realloc(NULL, 10);
    ck_assert_ptr_nonnull(block);
    memcpy(block, "0123456789", 10);
    block = realloc(block, 100000);
    ck_assert_int_eq(memcmp(block, "0123456789", 10), 0);
    block = realloc(block, 5);
    ck_assert_int_eq(memcmp(block, "01234", 5), 0);
    errno = 0;
    ck_assert_ptr_null(realloc(block, opaque_size(SIZE_MAX - 100)));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_eq(memcmp(block, "01234", 5), 0);     /* intact after failure */
    ck_assert_ptr_null(realloc(block, 0));              /* frees, as glibc does */
    ck_assert_ptr_null(reallocarray(NULL, opaque_size(SIZE_MAX / 2), 4));
    int *numbers = reallocarray(NULL, 10, sizeof(int));
    ck_assert_ptr_nonnull(numbers);
    free(numbers);
}
END_TEST

START_TEST(aligned_allocations)
{
    for (size_t alignment = 8; alignment <= 65536; alignment *= 2) {
        void *block = NULL;
        ck_assert_int_eq(posix_memalign(&block, alignment, 1000), 0);
        ck_assert_uint_eq((uintptr_t)block % alignment, 0);
        memset(block, 0x5a, 1000);
        ck_assert_uint_ge(malloc_usable_size(block), 1000);
        char *grown = realloc(block, 5000);
        ck_assert_int_eq(grown[999], 0x5a);
        free(grown);
        void *other = aligned_alloc(alignment, 64);
        ck_assert_uint_eq((uintptr_t)other % alignment, 0);
        free(other);
        other = memalign(alignment, 3);
        ck_assert_uint_eq((uintptr_t)other % alignment, 0);
        free(other);
    }
    void *block;
    ck_assert_int_eq(posix_memalign(&block, 24, 10), EINVAL);
    ck_assert_int_eq(posix_memalign(&block, 4, 10), EINVAL);
    errno = 0;
    ck_assert_ptr_null(aligned_alloc(opaque_size(48), 10));
    ck_assert_int_eq(errno, EINVAL);
    long page = sysconf(_SC_PAGESIZE);
    void *paged = valloc(10);
    ck_assert_uint_eq((uintptr_t)paged % (uintptr_t)page, 0);
    free(paged);
    paged = pvalloc(10);
    ck_assert_uint_eq((uintptr_t)paged % (uintptr_t)page, 0);
    ck_assert_uint_ge(malloc_usable_size(paged), (size_t)page);
    free(paged);
}
END_TEST

static char static_buffer[256];

START_TEST(foreign_pointers_are_left_alone)
{
    memset(static_buffer, 0x77, sizeof(static_buffer));
    free(opaque(static_buffer + 16));
    free(opaque(static_buffer + 64));
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(page, 0x33, 4096);
    free(opaque(page));
    free(opaque(page + 32));
    for (size_t i = 0; i < sizeof(static_buffer); i++)
        ck_assert_int_eq(static_buffer[i], 0x77);
    ck_assert_int_eq(page[0], 0x33);
    char *copy = realloc(opaque(page + 4000), 200);            /* copies only what is there */
    ck_assert_int_eq(copy[95], 0x33);
    ck_assert_int_eq(page[4000], 0x33);
    free(copy);
    munmap(page, 4096);
    ck_assert(HeapValidate(GetProcessHeap(), 0, NULL));
}
END_TEST

START_TEST(free_keeps_errno_and_last_error)
{
    void *block = malloc(10);
    errno = EPIPE;
    SetLastError(ERROR_BAD_LENGTH);
    free(block);
    free(opaque(static_buffer));
    ck_assert_int_eq(errno, EPIPE);
    ck_assert_uint_eq(GetLastError(), ERROR_BAD_LENGTH);
    /* Every kind of block, freed by every path: slots, ordinary blocks
     * (enough of them that the heap purges), large blocks. */
    static const size_t sizes[] = { 24, 4000, 40000, 0x200000 };
    for (size_t kind = 0; kind < sizeof(sizes) / sizeof(sizes[0]); kind++) {
        enum { BLOCKS = 1000 };
        static void *blocks[BLOCKS];
        for (int i = 0; i < BLOCKS; i++)
            ck_assert_ptr_nonnull(blocks[i] = malloc(sizes[kind]));
        for (int i = 0; i < BLOCKS; i++) {
            errno = EPIPE;
            SetLastError(ERROR_BAD_LENGTH);
            free(blocks[i]);
            ck_assert_int_eq(errno, EPIPE);
            ck_assert_uint_eq(GetLastError(), ERROR_BAD_LENGTH);
        }
    }
}
END_TEST

START_TEST(fork_with_blocks_in_flight)
{
    char *block = strdup("inherited");
    pid_t child = fork();
    if (child == 0) {
        char *mine = malloc(1000);
        free(block);
        _exit(mine && HeapValidate(GetProcessHeap(), 0, NULL) ? 0 : 1);
    }
    int status;
    waitpid(child, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_str_eq(block, "inherited");
    free(block);
}
END_TEST

int main(int argc, char **argv)
{
    (void)argc;
    run_under_shim(argv);
    Suite *suite = suite_create("shim");
    TCase *cases = tcase_create("malloc family");
    tcase_add_test(cases, malloc_blocks_are_process_heap_blocks);
    tcase_add_test(cases, calloc_zeroes_and_checks_overflow);
    tcase_add_test(cases, realloc_cases);
    tcase_add_test(cases, aligned_allocations);
    tcase_add_test(cases, foreign_pointers_are_left_alone);
    tcase_add_test(cases, free_keeps_errno_and_last_error);
    tcase_add_test(cases, fork_with_blocks_in_flight);
    suite_add_tcase(suite, cases);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
