/* Handle table: CloseHandle, DuplicateHandle, Get/SetHandleInformation,
 * pseudo-handles, stale and bogus handles, object lifetime, threads. */
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "handle.h"

static HANDLE new_process_handle(BOOL inherit)
{
    HANDLE handle = NULL;
    ck_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(),
                              &handle, 0, inherit, DUPLICATE_SAME_ACCESS));
    return handle;
}

/* An object type of the test's own, to prove lifetime and type checks. */
static int test_objects_destroyed;
static void test_object_destroy(struct object *object)
{
    (void)object;
    __atomic_add_fetch(&test_objects_destroyed, 1, __ATOMIC_RELAXED);
}
static const struct object_type test_type = {
    .name = "Test", .generic_read = 0x1, .generic_write = 0x2, .generic_execute = 0x4,
    .all_access = 0xf, .destroy = test_object_destroy,
};

START_TEST(close_null_fails)
{
    SetLastError(0xdead);
    ck_assert(!CloseHandle(NULL));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

START_TEST(close_pseudo_handles_succeeds_without_touching_last_error)
{
    SetLastError(0xbeef);
    ck_assert(CloseHandle(GetCurrentProcess()));
    ck_assert(CloseHandle(INVALID_HANDLE_VALUE));
    ck_assert(CloseHandle(GetCurrentThread()));
    ck_assert_last_error(0xbeef);
    /* The pseudo-handle still works afterwards. */
    HANDLE handle = new_process_handle(FALSE);
    ck_assert(CloseHandle(handle));
}
END_TEST

START_TEST(close_bogus_handles_fails)
{
    static const uintptr_t bogus[] = { 0x4, 0x1234, 0x7ffffff0, 0xfffffff0, (uintptr_t)1 << 40 };
    for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
        SetLastError(0);
        ck_assert(!CloseHandle((HANDLE)bogus[i]));
        ck_assert_last_error(ERROR_INVALID_HANDLE);
    }
}
END_TEST

START_TEST(duplicated_process_handle_is_real)
{
    HANDLE handle = new_process_handle(FALSE);
    ck_assert_ptr_nonnull(handle);
    ck_assert_ptr_ne(handle, INVALID_HANDLE_VALUE);
    ck_assert_ptr_ne(handle, GetCurrentProcess());
    ck_assert_uint_eq((uintptr_t)handle % 4, 0);
    DWORD flags = 0xff;
    ck_assert(GetHandleInformation(handle, &flags));
    ck_assert_uint_eq(flags, 0);
    ck_assert(process_handle_is_current(handle));
    ck_assert(CloseHandle(handle));

    handle = new_process_handle(TRUE);
    ck_assert(GetHandleInformation(handle, &flags));
    ck_assert_uint_eq(flags, HANDLE_FLAG_INHERIT);
    ck_assert(CloseHandle(handle));
}
END_TEST

START_TEST(closing_twice_fails)
{
    HANDLE handle = new_process_handle(FALSE);
    ck_assert(CloseHandle(handle));
    SetLastError(0);
    ck_assert(!CloseHandle(handle));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    DWORD flags;
    SetLastError(0);
    ck_assert(!GetHandleInformation(handle, &flags));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(0);
    ck_assert(!SetHandleInformation(handle, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

/* Windows ignores a handle's two low bits (ntdef.h's OBJ_HANDLE_TAGBITS,
 * free for programs to use as tags): a tagged value names the same handle
 * in every call, and closing it closes that handle. */
START_TEST(tagged_handles_name_the_untagged_one)
{
    HANDLE handle = new_process_handle(TRUE);
    for (uintptr_t tag = 1; tag <= 3; tag++) {
        HANDLE tagged = (HANDLE)((uintptr_t)handle | tag), duplicate = NULL;
        DWORD flags = 0;
        ck_assert(GetHandleInformation(tagged, &flags));
        ck_assert_uint_eq(flags, HANDLE_FLAG_INHERIT);
        ck_assert(DuplicateHandle(GetCurrentProcess(), tagged, GetCurrentProcess(), &duplicate, 0, FALSE,
                                  DUPLICATE_SAME_ACCESS));
        ck_assert_uint_eq((uintptr_t)duplicate % 4, 0);
        ck_assert_ptr_ne(duplicate, handle);
        ck_assert(process_handle_is_current(duplicate));
        ck_assert(CloseHandle(duplicate));
    }
    ck_assert(CloseHandle((HANDLE)((uintptr_t)handle | 3)));
    SetLastError(0);
    ck_assert(!CloseHandle(handle));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

START_TEST(duplicate_close_source_reuses_the_value)
{
    HANDLE source = new_process_handle(FALSE), duplicate = NULL;
    ck_assert(DuplicateHandle(GetCurrentProcess(), source, GetCurrentProcess(), &duplicate, 0,
                              FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    ck_assert_ptr_eq(duplicate, source);
    ck_assert(CloseHandle(duplicate));
    ck_assert(!CloseHandle(source));
}
END_TEST

START_TEST(protected_source_is_not_closed)
{
    HANDLE source = new_process_handle(FALSE), duplicate = NULL;
    ck_assert(SetHandleInformation(source, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    SetLastError(0);
    ck_assert(!CloseHandle(source));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert(DuplicateHandle(GetCurrentProcess(), source, GetCurrentProcess(), &duplicate, 0,
                              FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    ck_assert_ptr_ne(duplicate, source);
    DWORD flags;
    ck_assert(GetHandleInformation(source, &flags));
    ck_assert_uint_eq(flags, HANDLE_FLAG_PROTECT_FROM_CLOSE);
    ck_assert(SetHandleInformation(source, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    ck_assert(CloseHandle(source));
    ck_assert(CloseHandle(duplicate));
}
END_TEST

START_TEST(duplicate_same_attributes)
{
    HANDLE source = new_process_handle(TRUE), duplicate = NULL;
    ck_assert(SetHandleInformation(source, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    ck_assert(DuplicateHandle(GetCurrentProcess(), source, GetCurrentProcess(), &duplicate, 0,
                              FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES));
    DWORD flags;
    ck_assert(GetHandleInformation(duplicate, &flags));
    ck_assert_uint_eq(flags, HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE);
    ck_assert(SetHandleInformation(duplicate, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    ck_assert(SetHandleInformation(source, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    ck_assert(CloseHandle(duplicate));
    ck_assert(CloseHandle(source));
}
END_TEST

START_TEST(duplicate_rejects_bad_processes_and_handles)
{
    HANDLE out = (HANDLE)0x77;
    SetLastError(0);
    ck_assert(!DuplicateHandle(NULL, GetCurrentProcess(), GetCurrentProcess(), &out, 0, FALSE,
                               DUPLICATE_SAME_ACCESS));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(0);
    ck_assert(!DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), (HANDLE)0x1238, &out, 0,
                               FALSE, DUPLICATE_SAME_ACCESS));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert_ptr_eq(out, (HANDLE)0x77);        /* a bad process: the output is left alone */
    SetLastError(0);
    ck_assert(!DuplicateHandle(GetCurrentProcess(), (HANDLE)0x123c, GetCurrentProcess(), &out, 0,
                               FALSE, DUPLICATE_SAME_ACCESS));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert_ptr_null(out);                    /* a bad source: NT has cleared it */
}
END_TEST

START_TEST(handle_information_needs_a_buffer)
{
    HANDLE handle = new_process_handle(FALSE);
    SetLastError(0);
    ck_assert(!GetHandleInformation(handle, NULL));
    ck_assert_last_error(ERROR_NOACCESS);
    SetLastError(0);
    ck_assert(!GetHandleInformation(NULL, NULL));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert(CloseHandle(handle));
}
END_TEST

START_TEST(pseudo_handles_have_no_attributes)
{
    DWORD flags = 0x5555;
    ck_assert(GetHandleInformation(GetCurrentProcess(), &flags));
    ck_assert_uint_eq(flags, 0);
    flags = 0x5555;
    ck_assert(GetHandleInformation(GetCurrentThread(), &flags));
    ck_assert_uint_eq(flags, 0);
    SetLastError(0);
    ck_assert(!GetHandleInformation(GetCurrentProcess(), NULL));
    ck_assert_last_error(ERROR_NOACCESS);
}
END_TEST

START_TEST(objects_live_while_any_handle_does)
{
    struct object object;
    object_init(&object, &test_type);
    test_objects_destroyed = 0;
    HANDLE first = handle_create(&object, 0x3, 0);
    object_unref(&object);               /* the handle now holds the only reference */
    HANDLE second = NULL;
    ck_assert(DuplicateHandle(GetCurrentProcess(), first, GetCurrentProcess(), &second, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
    ck_assert(CloseHandle(first));
    ck_assert_int_eq(test_objects_destroyed, 0);
    ACCESS_MASK access = 0;
    struct object *found = handle_lookup(second, &test_type, &access);
    ck_assert_ptr_eq(found, &object);
    ck_assert_uint_eq(access, 0x3);
    ck_assert(CloseHandle(second));
    ck_assert_int_eq(test_objects_destroyed, 0);    /* the lookup's reference */
    object_unref(found);
    ck_assert_int_eq(test_objects_destroyed, 1);
}
END_TEST

START_TEST(duplicate_narrows_access_and_maps_generic_rights)
{
    struct object object;
    object_init(&object, &test_type);
    HANDLE full = handle_create(&object, 0xf, 0), narrow = NULL;
    ck_assert(DuplicateHandle(GetCurrentProcess(), full, GetCurrentProcess(), &narrow, GENERIC_READ,
                              FALSE, 0));
    ACCESS_MASK access = 0;
    struct object *found = handle_lookup(narrow, &test_type, &access);
    ck_assert_uint_eq(access, 0x1);
    object_unref(found);
    ck_assert(CloseHandle(narrow));
    ck_assert(CloseHandle(full));
    object_unref(&object);
}
END_TEST

START_TEST(stale_handle_never_reaches_an_object_of_another_type)
{
    struct object object;
    object_init(&object, &test_type);
    HANDLE stale = handle_create(&object, 0xf, 0);
    ck_assert(CloseHandle(stale));
    /* The freed slot is reused by a process handle: the stale value now names
     * a process, and a lookup for a test object must fail cleanly. */
    HANDLE process = new_process_handle(FALSE);
    ck_assert_ptr_eq(process, stale);
    SetLastError(0);
    ck_assert_ptr_null(handle_lookup(stale, &test_type, NULL));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert(CloseHandle(process));
    SetLastError(0);
    ck_assert(!process_handle_is_current(process));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    object_unref(&object);
}
END_TEST

START_TEST(handles_are_distinct_multiples_of_four)
{
    enum { COUNT = 5000 };
    static HANDLE handles[COUNT];
    unsigned long before = handle_count();
    for (int i = 0; i < COUNT; i++) {
        handles[i] = new_process_handle(FALSE);
        ck_assert_uint_eq((uintptr_t)handles[i] % 4, 0);
        if (i)
            ck_assert_ptr_ne(handles[i], handles[i - 1]);
    }
    ck_assert_uint_eq(handle_count(), before + COUNT);
    for (int i = 0; i < COUNT; i++)
        ck_assert(CloseHandle(handles[i]));
    ck_assert_uint_eq(handle_count(), before);
}
END_TEST

/* Threads create, duplicate, look up and close handles at once, and all look
 * up (and one closes) a shared handle; the table stays exact. */
static HANDLE shared_handle;
static void *churn(void *argument)
{
    struct object *object = argument;
    for (int i = 0; i < 20000; i++) {
        HANDLE mine = handle_create(object, 0x1, 0), copy = NULL;
        ck_assert_ptr_nonnull(mine);
        ck_assert(DuplicateHandle(GetCurrentProcess(), mine, GetCurrentProcess(), &copy, 0x2, FALSE, 0));
        struct object *found = handle_lookup(copy, &test_type, NULL);
        ck_assert_ptr_eq(found, object);
        object_unref(found);
        found = handle_lookup(shared_handle, &test_type, NULL);
        if (found)
            object_unref(found);
        ck_assert(CloseHandle(mine));
        ck_assert(CloseHandle(copy));
    }
    return NULL;
}

START_TEST(concurrent_create_use_close)
{
    struct object object;
    object_init(&object, &test_type);
    test_objects_destroyed = 0;
    unsigned long before = handle_count();
    shared_handle = handle_create(&object, 0xf, 0);
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, churn, &object), 0);
    usleep(2000);
    ck_assert(CloseHandle(shared_handle));
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    ck_assert_uint_eq(handle_count(), before);
    ck_assert_int_eq(test_objects_destroyed, 0);
    object_unref(&object);
    ck_assert_int_eq(test_objects_destroyed, 1);
}
END_TEST

START_TEST(process_and_thread_ids)
{
    ck_assert_uint_eq(GetCurrentProcessId(), (DWORD)getpid());
    ck_assert_uint_ne(GetCurrentThreadId(), 0);
    ck_assert_ptr_eq(GetCurrentProcess(), (HANDLE)(LONG_PTR)-1);
    ck_assert_ptr_eq(GetCurrentThread(), (HANDLE)(LONG_PTR)-2);
}
END_TEST

/* The id a real thread handle names, read from another thread. */
static void *id_of(void *handle)
{
    return (void *)(uintptr_t)GetThreadId(handle);
}

START_TEST(duplicated_thread_handle_is_real)
{
    unsigned long before = handle_count();
    HANDLE thread = NULL;
    ck_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &thread, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
    ck_assert_ptr_nonnull(thread);
    ck_assert_ptr_ne(thread, GetCurrentThread());
    ck_assert_uint_eq(handle_count(), before + 1);
    ck_assert_uint_eq(GetThreadId(thread), GetCurrentThreadId());
    ck_assert_uint_eq(GetThreadId(GetCurrentThread()), GetCurrentThreadId());
    /* Another thread's GetCurrentThread() would name that thread; the real
     * handle still names this one. */
    pthread_t other;
    void *seen = NULL;
    ck_assert_int_eq(pthread_create(&other, NULL, id_of, thread), 0);
    pthread_join(other, &seen);
    ck_assert_uint_eq((DWORD)(uintptr_t)seen, GetCurrentThreadId());
    /* It is a thread, not a process. */
    SetLastError(0);
    ck_assert_uint_eq(GetProcessId(thread), 0);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    HANDLE out = NULL;
    SetLastError(0);
    ck_assert(!DuplicateHandle(thread, GetCurrentProcess(), GetCurrentProcess(), &out, 0, FALSE,
                               DUPLICATE_SAME_ACCESS));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    DWORD flags = 0x5555;
    ck_assert(GetHandleInformation(thread, &flags));
    ck_assert_uint_eq(flags, 0);
    ck_assert(CloseHandle(thread));
    SetLastError(0);
    ck_assert(!CloseHandle(thread));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(0);
    ck_assert_uint_eq(GetThreadId(thread), 0);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert_uint_eq(handle_count(), before);
}
END_TEST

START_TEST(ids_need_a_query_right)
{
    HANDLE process = NULL, thread = NULL, narrow = NULL;
    ck_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), &process, 0, FALSE, 0));
    SetLastError(0);
    ck_assert_uint_eq(GetProcessId(process), 0);
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    ck_assert(CloseHandle(process));
    ck_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), &process,
                              PROCESS_QUERY_LIMITED_INFORMATION, FALSE, 0));
    ck_assert_uint_eq(GetProcessId(process), GetCurrentProcessId());
    ck_assert_uint_eq(GetProcessId(GetCurrentProcess()), GetCurrentProcessId());
    ck_assert(CloseHandle(process));

    ck_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &thread,
                              THREAD_TERMINATE, FALSE, 0));
    SetLastError(0);
    ck_assert_uint_eq(GetThreadId(thread), 0);
    ck_assert_last_error(ERROR_ACCESS_DENIED);
    /* The full query right grants the limited one, and generic read the full one. */
    ck_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &narrow,
                              GENERIC_READ, FALSE, 0));
    ck_assert_uint_eq(GetThreadId(narrow), GetCurrentThreadId());
    ck_assert(CloseHandle(narrow));
    ck_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &narrow,
                              THREAD_QUERY_INFORMATION, FALSE, 0));
    ck_assert_uint_eq(GetThreadId(narrow), GetCurrentThreadId());
    ck_assert(CloseHandle(narrow));
    ck_assert(CloseHandle(thread));

    SetLastError(0);
    ck_assert_uint_eq(GetThreadId(NULL), 0);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(0);
    ck_assert_uint_eq(GetProcessId((HANDLE)0x1234), 0);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    /* A pseudo handle of the wrong kind names no object of that kind. */
    SetLastError(0);
    ck_assert_uint_eq(GetThreadId(GetCurrentProcess()), 0);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("handle");
    TCase *api = tcase_create("api");
    tcase_add_test(api, close_null_fails);
    tcase_add_test(api, close_pseudo_handles_succeeds_without_touching_last_error);
    tcase_add_test(api, close_bogus_handles_fails);
    tcase_add_test(api, duplicated_process_handle_is_real);
    tcase_add_test(api, closing_twice_fails);
    tcase_add_test(api, tagged_handles_name_the_untagged_one);
    tcase_add_test(api, duplicate_close_source_reuses_the_value);
    tcase_add_test(api, protected_source_is_not_closed);
    tcase_add_test(api, duplicate_same_attributes);
    tcase_add_test(api, duplicate_rejects_bad_processes_and_handles);
    tcase_add_test(api, handle_information_needs_a_buffer);
    tcase_add_test(api, pseudo_handles_have_no_attributes);
    tcase_add_test(api, process_and_thread_ids);
    tcase_add_test(api, duplicated_thread_handle_is_real);
    tcase_add_test(api, ids_need_a_query_right);
    suite_add_tcase(suite, api);
    TCase *objects = tcase_create("objects");
    tcase_add_test(objects, objects_live_while_any_handle_does);
    tcase_add_test(objects, duplicate_narrows_access_and_maps_generic_rights);
    tcase_add_test(objects, stale_handle_never_reaches_an_object_of_another_type);
    tcase_add_test(objects, handles_are_distinct_multiples_of_four);
    suite_add_tcase(suite, objects);
    TCase *threads = tcase_create("threads");
    tcase_set_timeout(threads, 120);
    tcase_add_test(threads, concurrent_create_use_close);
    suite_add_tcase(suite, threads);
    return suite;
}
