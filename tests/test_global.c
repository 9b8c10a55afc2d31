/* Global* and Local* memory: fixed blocks, moveable handles with lock
 * counts, discarding, and bad handles. */
#include <stdint.h>
#include <string.h>
#include <windows.h>

#include "check_main.h"

#define SENTINEL_ERROR 0xdeadbeef

START_TEST(fixed_memory_is_a_heap_block)
{
    char *fixed = GlobalAlloc(GMEM_FIXED | GMEM_ZEROINIT, 100);
    ck_assert_ptr_nonnull(fixed);
    ck_assert_uint_eq((uintptr_t)fixed % 16, 0);
    ck_assert(HeapValidate(GetProcessHeap(), 0, fixed));
    ck_assert_uint_eq(GlobalSize(fixed), 100);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(fixed[i], 0);
    ck_assert_ptr_eq(GlobalLock(fixed), fixed);
    ck_assert_ptr_eq(GlobalHandle(fixed), fixed);
    ck_assert_uint_eq(GlobalFlags(fixed), 0);
    ck_assert(GlobalUnlock(fixed));             /* fixed global memory: TRUE */
    SetLastError(SENTINEL_ERROR);
    ck_assert(!LocalUnlock(fixed));             /* fixed local memory: never locked */
    ck_assert_last_error(ERROR_NOT_LOCKED);
    ck_assert_ptr_null(GlobalFree(fixed));
    ck_assert(!HeapValidate(GetProcessHeap(), 0, fixed));

    /* GlobalAlloc has no empty fixed block; LocalAlloc does. */
    void *global = GlobalAlloc(GMEM_FIXED, 0), *local = LocalAlloc(LMEM_FIXED, 0);
    ck_assert_uint_eq(GlobalSize(global), 1);
    ck_assert_uint_eq(LocalSize(local), 0);
    ck_assert_ptr_null(GlobalFree(global));
    ck_assert_ptr_null(LocalFree(local));
}
END_TEST

START_TEST(moveable_memory_counts_locks)
{
    HGLOBAL handle = GlobalAlloc(GHND, 64);
    ck_assert_ptr_nonnull(handle);
    ck_assert_uint_ne((uintptr_t)handle % 16, 0);       /* a handle, not a pointer */
    ck_assert_uint_eq(GlobalSize(handle), 64);
    ck_assert_uint_eq(GlobalFlags(handle), 0);
    unsigned char *data = GlobalLock(handle);
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_eq((uintptr_t)data % 16, 0);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(data[i], 0);
    ck_assert_ptr_eq(GlobalLock(handle), data);
    ck_assert_uint_eq(GlobalFlags(handle) & GMEM_LOCKCOUNT, 2);
    ck_assert_ptr_eq(GlobalHandle(data), handle);
    ck_assert_ptr_eq(GlobalHandle(handle), handle);
    ck_assert(GlobalUnlock(handle));                    /* still locked once */
    SetLastError(SENTINEL_ERROR);
    ck_assert(!GlobalUnlock(handle));                   /* now unlocked */
    ck_assert_last_error(NO_ERROR);
    ck_assert(!GlobalUnlock(handle));
    ck_assert_last_error(ERROR_NOT_LOCKED);
    ck_assert_uint_eq(GlobalFlags(handle), 0);

    /* The count saturates at 255. */
    for (int i = 0; i < 300; i++)
        GlobalLock(handle);
    ck_assert_uint_eq(GlobalFlags(handle) & GMEM_LOCKCOUNT, 255);
    while (GlobalUnlock(handle))
        ;
    ck_assert_ptr_null(GlobalFree(handle));
    SetLastError(SENTINEL_ERROR);
    ck_assert_uint_eq(GlobalFlags(handle), GMEM_INVALID_HANDLE);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

START_TEST(moveable_memory_moves_and_discards)
{
    HLOCAL handle = LocalAlloc(LMEM_MOVEABLE | LMEM_DISCARDABLE, 16);
    memcpy(LocalLock(handle), "fifteen letters", 16);
    ck_assert(!LocalUnlock(handle));
    ck_assert_uint_eq(LocalFlags(handle), LMEM_DISCARDABLE);
    ck_assert_ptr_eq(LocalReAlloc(handle, 100000, LMEM_MOVEABLE | LMEM_ZEROINIT), handle);
    ck_assert_uint_eq(LocalSize(handle), 100000);
    char *data = LocalLock(handle);
    ck_assert_str_eq(data, "fifteen letters");
    for (int i = 16; i < 100000; i += 997)
        ck_assert_int_eq(data[i], 0);
    /* A locked block may not be discarded. */
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalReAlloc(handle, 0, LMEM_MOVEABLE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(!LocalUnlock(handle));
    ck_assert_ptr_eq(LocalReAlloc(handle, 0, LMEM_MOVEABLE), handle);      /* discard */
    ck_assert_uint_eq(LocalFlags(handle), LMEM_DISCARDABLE | LMEM_DISCARDED);
    ck_assert_uint_eq(LocalSize(handle), 0);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalLock(handle));
    ck_assert_last_error(ERROR_DISCARDED);
    ck_assert_ptr_eq(LocalReAlloc(handle, 10, LMEM_MOVEABLE), handle);     /* and back */
    ck_assert_uint_eq(LocalFlags(handle), LMEM_DISCARDABLE);
    ck_assert_uint_eq(LocalSize(handle), 10);
    /* LMEM_MODIFY changes flags only. */
    ck_assert_ptr_eq(LocalReAlloc(handle, 0, LMEM_MODIFY | LMEM_DISCARDABLE), handle);
    ck_assert_uint_eq(LocalSize(handle), 10);
    ck_assert_ptr_null(LocalFree(handle));

    /* A zero-size moveable block starts out discarded. */
    HGLOBAL empty = GlobalAlloc(GMEM_MOVEABLE | GMEM_DDESHARE, 0);
    ck_assert_uint_eq(GlobalFlags(empty), GMEM_DISCARDED | GMEM_DDESHARE);
    ck_assert_ptr_null(GlobalFree(empty));
}
END_TEST

/* A moveable block's memory is a process-heap block of exactly the size
 * asked for, through every move (Wine's conformance test, test_GlobalAlloc,
 * checks HeapValidate and HeapSize of it on Windows). */
START_TEST(moveable_memory_is_a_heap_block)
{
    HANDLE heap = GetProcessHeap();
    for (SIZE_T size = 1; size < 0x10000000; size <<= 5) {
        HGLOBAL handle = GlobalAlloc(GMEM_MOVEABLE, size);
        ck_assert_ptr_nonnull(handle);
        void *data = GlobalLock(handle);
        ck_assert(HeapValidate(heap, 0, data));
        ck_assert_uint_eq(HeapSize(heap, 0, data), size);
        ck_assert_ptr_eq(GlobalHandle(data), handle);
        ck_assert(!GlobalUnlock(handle));
        ck_assert_ptr_null(GlobalFree(handle));
    }

    /* A blocker behind the block makes growing it a move. */
    HLOCAL handle = LocalAlloc(LMEM_MOVEABLE, 32);
    void *blocker = HeapAlloc(heap, 0, 32);
    char *data = LocalLock(handle);
    strcpy(data, "moves along");
    ck_assert(!LocalUnlock(handle));
    SetLastError(SENTINEL_ERROR);                       /* success leaves it */
    ck_assert_ptr_eq(LocalReAlloc(handle, 100000, LMEM_MOVEABLE), handle);
    ck_assert_last_error(SENTINEL_ERROR);
    char *moved = LocalLock(handle);
    ck_assert_str_eq(moved, "moves along");
    ck_assert(HeapValidate(heap, 0, moved));
    ck_assert_uint_eq(HeapSize(heap, 0, moved), 100000);
    ck_assert_ptr_eq(LocalHandle(moved), handle);
    ck_assert(!LocalUnlock(handle));
    ck_assert_ptr_eq(LocalReAlloc(handle, 0, LMEM_MOVEABLE), handle);      /* discard */
    ck_assert_ptr_eq(LocalReAlloc(handle, 48, LMEM_MOVEABLE), handle);     /* and back */
    data = LocalLock(handle);
    ck_assert_uint_eq(HeapSize(heap, 0, data), 48);
    ck_assert_ptr_eq(LocalHandle(data), handle);
    ck_assert(!LocalUnlock(handle));
    ck_assert_ptr_null(LocalFree(handle));
    ck_assert(HeapFree(heap, 0, blocker));
}
END_TEST

START_TEST(fixed_realloc_moves_only_when_allowed)
{
    char *fixed = LocalAlloc(LPTR, 16);
    void *blocker = LocalAlloc(LPTR, 16);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalReAlloc(fixed, 5000, 0));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    strcpy(fixed, "kept");
    char *moved = LocalReAlloc(fixed, 5000, LMEM_MOVEABLE);
    ck_assert_ptr_nonnull(moved);
    ck_assert_str_eq(moved, "kept");
    ck_assert_uint_eq(LocalSize(moved), 5000);
    ck_assert_ptr_eq(LocalReAlloc(moved, 100, LMEM_MODIFY), moved);
    ck_assert_ptr_null(LocalFree(moved));
    ck_assert_ptr_null(LocalFree(blocker));
}
END_TEST

/* Fixed memory from the low-fragmentation heap never resizes in place,
 * as Wine's conformance test checks on Windows: without GMEM_MOVEABLE even
 * its own size fails, with it the block moves. */
START_TEST(fixed_lfh_memory_moves_to_resize)
{
    void *others[0x12];
    for (int i = 0; i < 0x12; i++)              /* the bin switches to the front end */
        ck_assert_ptr_nonnull(others[i] = GlobalAlloc(GMEM_FIXED, 12));
    char *fixed = GlobalAlloc(GMEM_FIXED, 12);
    strcpy(fixed, "kept");
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(GlobalReAlloc(fixed, 12, 0));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(GlobalSize(fixed), 12);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalReAlloc(fixed, 12, 0));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    char *moved = GlobalReAlloc(fixed, 13, GMEM_MOVEABLE);
    ck_assert_ptr_nonnull(moved);
    ck_assert_ptr_ne(moved, fixed);
    ck_assert_str_eq(moved, "kept");
    ck_assert_uint_eq(GlobalSize(moved), 13);
    ck_assert_ptr_eq(GlobalLock(moved), moved);
    ck_assert_ptr_null(GlobalFree(moved));
    for (int i = 0; i < 0x12; i++)
        ck_assert_ptr_null(GlobalFree(others[i]));
}
END_TEST

START_TEST(global_modify_makes_fixed_memory_moveable)
{
    char *fixed = GlobalAlloc(GMEM_FIXED, 100);
    strcpy(fixed, "carried over");
    SetLastError(SENTINEL_ERROR);
    HGLOBAL moveable = GlobalReAlloc(fixed, 0, GMEM_MODIFY | GMEM_MOVEABLE);
    ck_assert_ptr_nonnull(moveable);
    ck_assert_last_error(SENTINEL_ERROR);
    ck_assert_ptr_ne(moveable, fixed);
    ck_assert_uint_eq(GlobalSize(moveable), 100);
    char *data = GlobalLock(moveable);
    ck_assert_ptr_nonnull(data);
    ck_assert_ptr_ne(data, moveable);
    ck_assert_str_eq(data, "carried over");
    ck_assert_uint_eq(GlobalFlags(moveable), 1);
    SetLastError(SENTINEL_ERROR);
    ck_assert(!GlobalUnlock(moveable));
    ck_assert_last_error(NO_ERROR);
    ck_assert_ptr_eq(GlobalHandle(data), moveable);
    ck_assert_ptr_null(GlobalFree(moveable));

    /* LocalReAlloc keeps fixed memory fixed. */
    char *local = LocalAlloc(LMEM_FIXED, 100);
    ck_assert_ptr_eq(LocalReAlloc(local, 0, LMEM_MODIFY | LMEM_MOVEABLE), local);
    ck_assert_ptr_eq(LocalLock(local), local);
    ck_assert_ptr_null(LocalFree(local));
}
END_TEST

START_TEST(bad_handles)
{
    static char not_a_block[64] __attribute__((aligned(16)));
    HGLOBAL freed = GlobalAlloc(GMEM_MOVEABLE, 10);
    ck_assert_ptr_null(GlobalFree(freed));
    const HGLOBAL bad[] = { freed, (HGLOBAL)(uintptr_t)0x12345678, not_a_block + 16 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(SENTINEL_ERROR);
        ck_assert_ptr_eq(GlobalFree(bad[i]), bad[i]);
        ck_assert_last_error(ERROR_INVALID_HANDLE);
        SetLastError(SENTINEL_ERROR);
        ck_assert_ptr_null(GlobalLock(bad[i]));
        ck_assert_last_error(ERROR_INVALID_HANDLE);
        SetLastError(SENTINEL_ERROR);
        ck_assert_ptr_null(GlobalReAlloc(bad[i], 10, GMEM_MOVEABLE));
        ck_assert_last_error(ERROR_INVALID_HANDLE);
        SetLastError(SENTINEL_ERROR);
        ck_assert_uint_eq(GlobalSize(bad[i]), 0);
        ck_assert_last_error(ERROR_INVALID_HANDLE);
        SetLastError(SENTINEL_ERROR);
        ck_assert_ptr_null(GlobalHandle(bad[i]));
        ck_assert_last_error(ERROR_INVALID_HANDLE);
    }
    /* Unlocking a handle that names no block is an error either way, but
     * GlobalUnlock still returns TRUE on Windows (Wine's conformance test,
     * test_GlobalAlloc, checks it there; Wine returns FALSE). */
    const HGLOBAL no_block[] = { freed, (HGLOBAL)(uintptr_t)0x12345678 };
    for (size_t i = 0; i < sizeof(no_block) / sizeof(no_block[0]); i++) {
        SetLastError(SENTINEL_ERROR);
        ck_assert(GlobalUnlock(no_block[i]));
        ck_assert_last_error(ERROR_INVALID_HANDLE);
        SetLastError(SENTINEL_ERROR);
        ck_assert(!LocalUnlock(no_block[i]));
        ck_assert_last_error(ERROR_INVALID_HANDLE);
    }
    ck_assert_ptr_null(GlobalFree(NULL));
    ck_assert_ptr_null(LocalLock(NULL));
    ck_assert(HeapValidate(GetProcessHeap(), 0, NULL));
}
END_TEST

/* A pointer to memory that is not there (Wine's conformance tests
 * test_GlobalAlloc and test_LocalAlloc check each of these on Windows):
 * the calls that read the block header it would have report the fault as
 * ERROR_NOACCESS, GlobalFlags and the sizes ERROR_INVALID_HANDLE; GlobalLock
 * reports ERROR_INVALID_HANDLE, LocalLock leaves the last error as it was;
 * both unlocks treat it as fixed memory. */
START_TEST(a_pointer_to_nothing)
{
    char *reserved = VirtualAlloc(NULL, 4096, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_nonnull(reserved);
    void *nothing = reserved + 16;
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_eq(GlobalFree(nothing), nothing);
    ck_assert_last_error(ERROR_NOACCESS);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_eq(LocalFree(nothing), nothing);
    ck_assert_last_error(ERROR_NOACCESS);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(GlobalReAlloc(nothing, 0, GMEM_MOVEABLE));
    ck_assert_last_error(ERROR_NOACCESS);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalReAlloc(nothing, 0, LMEM_MOVEABLE));
    ck_assert_last_error(ERROR_NOACCESS);
    SetLastError(SENTINEL_ERROR);
    ck_assert_uint_eq(GlobalFlags(nothing), GMEM_INVALID_HANDLE);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(SENTINEL_ERROR);
    ck_assert_uint_eq(LocalFlags(nothing), LMEM_INVALID_HANDLE);
    ck_assert_last_error(ERROR_NOACCESS);
    SetLastError(SENTINEL_ERROR);
    ck_assert_uint_eq(GlobalSize(nothing), 0);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(SENTINEL_ERROR);
    ck_assert_uint_eq(LocalSize(nothing), 0);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(GlobalLock(nothing));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalLock(nothing));
    ck_assert_last_error(SENTINEL_ERROR);
    SetLastError(SENTINEL_ERROR);
    ck_assert(GlobalUnlock(nothing));
    ck_assert_last_error(SENTINEL_ERROR);
    ck_assert(!LocalUnlock(nothing));
    ck_assert_last_error(ERROR_NOT_LOCKED);
    ck_assert(VirtualFree(reserved, 0, MEM_RELEASE));
}
END_TEST

START_TEST(many_handles)
{
    static HGLOBAL handles[5000];
    for (int i = 0; i < 5000; i++) {
        handles[i] = GlobalAlloc(GMEM_MOVEABLE, (SIZE_T)i % 300 + 1);
        ck_assert_ptr_nonnull(handles[i]);
        *(int *)GlobalLock(handles[i]) = i;
        GlobalUnlock(handles[i]);
    }
    for (int i = 0; i < 5000; i += 2)
        ck_assert_ptr_null(GlobalFree(handles[i]));
    for (int i = 1; i < 5000; i += 2) {
        ck_assert_int_eq(*(int *)GlobalLock(handles[i]), i);
        GlobalUnlock(handles[i]);
        ck_assert_ptr_null(GlobalFree(handles[i]));
    }
}
END_TEST

/* What cannot be granted fails with ERROR_NOT_ENOUGH_MEMORY (or, for the
 * discardable flag without LMEM_MODIFY, ERROR_INVALID_PARAMETER) and
 * leaves the block as it was. */
START_TEST(refused_allocations_and_reallocations)
{
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalAlloc(LMEM_MOVEABLE, SIZE_MAX));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalAlloc(LMEM_MOVEABLE, (SIZE_T)1 << 50));     /* a handle, but no memory */
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);

    HLOCAL moveable = LocalAlloc(LMEM_MOVEABLE, 16);
    char *data = LocalLock(moveable);
    memcpy(data, "fifteen chars..", 16);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalReAlloc(moveable, 1 << 20, 0));          /* locked: it may not move */
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_ptr_eq(LocalLock(moveable), data);
    ck_assert_str_eq(data, "fifteen chars..");
    ck_assert(LocalUnlock(moveable));
    ck_assert(!LocalUnlock(moveable));
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalReAlloc(moveable, SIZE_MAX, LMEM_MOVEABLE));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalReAlloc(moveable, 32, LMEM_DISCARDABLE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_uint_eq(LocalSize(moveable), 16);
    ck_assert_str_eq(LocalLock(moveable), "fifteen chars..");
    ck_assert(!LocalUnlock(moveable));
    ck_assert_ptr_null(LocalFree(moveable));

    char *fixed = LocalAlloc(LMEM_FIXED, 16);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalReAlloc(fixed, 32, LMEM_DISCARDABLE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(LocalReAlloc(fixed, (SIZE_T)1 << 50, LMEM_MOVEABLE));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(LocalSize(fixed), 16);
    ck_assert_ptr_null(LocalFree(fixed));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("global");
    TCase *cases = tcase_create("global and local");
    tcase_add_test(cases, fixed_memory_is_a_heap_block);
    tcase_add_test(cases, moveable_memory_counts_locks);
    tcase_add_test(cases, moveable_memory_moves_and_discards);
    tcase_add_test(cases, moveable_memory_is_a_heap_block);
    tcase_add_test(cases, fixed_realloc_moves_only_when_allowed);
    tcase_add_test(cases, fixed_lfh_memory_moves_to_resize);
    tcase_add_test(cases, global_modify_makes_fixed_memory_moveable);
    tcase_add_test(cases, bad_handles);
    tcase_add_test(cases, a_pointer_to_nothing);
    tcase_add_test(cases, many_handles);
    tcase_add_test(cases, refused_allocations_and_reallocations);
    suite_add_tcase(suite, cases);
    return suite;
}
