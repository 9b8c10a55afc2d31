/* Many threads allocate and free under the shim, half of the frees from
 * another thread than the allocation, with a fork in the middle; the process
 * heap must validate at the end, in the parent and in the child. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <windows.h>

#include "shim_exec.h"

#define THREADS 8
#define ROUNDS 20000
#define SLOTS 64

static void *handoff[THREADS][SLOTS];   /* blocks passed to the next thread */

static void *work(void *argument)
{
    unsigned index = (unsigned)(uintptr_t)argument;
    unsigned seed = index * 2654435761u + 1;
    void *mine[SLOTS] = { 0 };
    for (int round = 0; round < ROUNDS; round++) {
        seed = seed * 1103515245u + 12345u;
        unsigned slot = (seed >> 8) % SLOTS;
        size_t size = (seed >> 16) % 3 == 0 ? (seed >> 4) % 70000 : (seed >> 4) % 300;
        if (mine[slot]) {
            if (((unsigned char *)mine[slot])[0] != (unsigned char)slot)
                abort();
            void *passed = __atomic_exchange_n(&handoff[(index + 1) % THREADS][slot], mine[slot], __ATOMIC_ACQ_REL);
            free(passed);                   /* someone else's block */
        }
        mine[slot] = malloc(size + 1);
        memset(mine[slot], (int)slot, size + 1);
        if (round % 1000 == 0) {
            void *grown = realloc(mine[slot], size + 5000);
            mine[slot] = grown;
        }
    }
    for (unsigned slot = 0; slot < SLOTS; slot++)
        free(mine[slot]);
    return NULL;
}

int main(int argc, char **argv)
{
    (void)argc;
    run_under_shim(argv);
    pthread_t threads[THREADS];
    for (unsigned i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, work, (void *)(uintptr_t)i);
    pid_t child = fork();                   /* while the others allocate */
    if (child == 0) {
        /* The other threads' caches are orphans here, maybe caught in the
         * middle of an operation: HeapLock must not wait for them. */
        HANDLE heap = GetProcessHeap();
        if (!HeapLock(heap) || !HeapValidate(heap, 0, NULL) || !HeapUnlock(heap))
            _exit(1);
        static void *blocks[5000];
        for (int i = 0; i < 5000; i++)
            blocks[i] = malloc((size_t)i % 300 + 1);
        for (int i = 0; i < 5000; i++)
            free(blocks[i]);
        HeapCompact(heap, 0);
        _exit(HeapValidate(heap, 0, NULL) ? 0 : 1);
    }
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    for (unsigned i = 0; i < THREADS; i++)
        for (unsigned slot = 0; slot < SLOTS; slot++)
            free(handoff[i][slot]);
    int status;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        puts("the forked child found a broken heap");
        return 1;
    }
    if (!HeapValidate(GetProcessHeap(), 0, NULL)) {
        puts("the heap does not validate");
        return 1;
    }
    puts("stress: heap valid after threads, cross-thread frees and fork");
    return 0;
}
