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

/* The hooks of a module whose only lock is one plain mutex. */
#define FORK_HOOKS(name, lock) \
    void name##_fork_prepare(void) { pthread_mutex_lock(&(lock)); } \
    void name##_fork_parent(void) { pthread_mutex_unlock(&(lock)); } \
    void name##_fork_child(void) { pthread_mutex_init(&(lock), NULL); }

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
FORK_DECLARE(segment_cache);
FORK_DECLARE(heap_map);
FORK_DECLARE(exception_lists);
FORK_DECLARE(vm);
FORK_DECLARE(handle_table);

#endif
