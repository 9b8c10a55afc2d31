/* The library's pthread_atfork handlers; see fork.h. */
#include "config.h"

#include "fork.h"

#define EACH_MODULE(step) \
    step(mapping_registry) step(namespace_names) step(global_table) step(heaps) \
    step(lfh_pool) step(large_cache) step(segment_cache) step(segment_meta) step(heap_map) \
    step(exception_lists) step(vm) step(handle_table)
#define EACH_MODULE_REVERSED(step) \
    step(handle_table) step(vm) step(exception_lists) step(heap_map) step(segment_meta) step(segment_cache) \
    step(large_cache) step(lfh_pool) step(heaps) step(global_table) step(namespace_names) \
    step(mapping_registry)

#define PREPARE(name) name##_fork_prepare();
#define PARENT(name) name##_fork_parent();
#define CHILD(name) name##_fork_child();

static void prepare(void) { EACH_MODULE(PREPARE) }
static void parent(void)  { EACH_MODULE_REVERSED(PARENT) }
static void child(void)   { EACH_MODULE_REVERSED(CHILD) }

__attribute__((constructor)) void fork_handlers_install(void)
{
    pthread_atfork(prepare, parent, child);
}
