/* fork() keeps only the forking thread: a lock another thread held at that
 * moment would stay held in the child forever.  So the library takes all of
 * its locks just before fork() (outermost first, the order in which the code
 * nests them), releases them in the parent afterwards, and creates them anew
 * in the child. */
#ifndef W32MEM_FORK_H
#define W32MEM_FORK_H

#include <pthread.h>

#define FORK_DECLARE(name) \
    void name##_fork_prepare(void); void name##_fork_parent(void); void name##_fork_child(void)

/* The hooks of a module whose only lock is one plain mutex: the child's
 * thread, a copy of the one that locked it, may unlock it. */
#define FORK_HOOKS(name, lock) \
    void name##_fork_prepare(void) { pthread_mutex_lock(&(lock)); } \
    void name##_fork_parent(void) { pthread_mutex_unlock(&(lock)); } \
    void name##_fork_child(void) { pthread_mutex_unlock(&(lock)); }

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define W32MEM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define W32MEM_TSAN 1
#endif
#ifdef W32MEM_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* A recursive mutex or a rwlock knows its owner by thread id, which fork()
 * changes, so the child cannot unlock one and creates it anew instead;
 * ThreadSanitizer, which cannot see that, is told the lock was released
 * (all of its recursion), or it takes the next lock for a double lock. */
static inline void fork_forget_lock(void *lock)
{
#ifdef W32MEM_TSAN
    __tsan_mutex_pre_unlock(lock, __tsan_mutex_recursive_unlock);
    __tsan_mutex_post_unlock(lock, 0);
#else
    (void)lock;
#endif
}

/* Installs the handlers; a constructor, so nobody needs to call it. */
void fork_handlers_install(void);

/* Every module with a lock includes this header, so this reference makes a
 * static link pull fork.c -- and with it that constructor -- into any
 * program that uses one of them (nothing else refers to fork.c). */
__attribute__((used)) static void (*const fork_handlers_linked)(void) = fork_handlers_install;

FORK_DECLARE(mapping_registry);
FORK_DECLARE(namespace_names);
FORK_DECLARE(global_table);
FORK_DECLARE(heaps);
FORK_DECLARE(lfh_pool);
FORK_DECLARE(large_cache);
FORK_DECLARE(segment_meta);
FORK_DECLARE(segment_cache);
FORK_DECLARE(heap_map);
FORK_DECLARE(exception_lists);
FORK_DECLARE(vm);
FORK_DECLARE(handle_table);

#endif
