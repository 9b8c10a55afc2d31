/* Soak: many processes create, open, map and close the same names (paging
 * file and file-backed sections) while the parent kills some of them with
 * SIGKILL, for STRESS_SECONDS (default 5).  Afterwards nothing is left:
 * OpenFileMapping fails with ERROR_FILE_NOT_FOUND, CreateFileMapping makes a
 * fresh, zeroed object with last error 0, the survivors leaked no descriptor
 * and no mapping, and once a fresh process has looked at the namespace none
 * of these names is still bound. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"

#define NAMES 4                     /* the last is file-backed */
#define CHILDREN 8
#define SECTION_BYTES 65536

static char names[NAMES][64];
static char file_path[256];

static unsigned stress_seconds(void)
{
    const char *text = getenv("STRESS_SECONDS");
    return text && atoi(text) > 0 ? (unsigned)atoi(text) : 5;
}

static int count_matching(const char *directory, const char *needle)
{
    DIR *dir = opendir(directory);
    if (!dir)
        return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        char path[512], target[512];
        snprintf(path, sizeof(path), "%s/%s", directory, entry->d_name);
        ssize_t length = readlink(path, target, sizeof(target) - 1);
        if (length <= 0)
            continue;
        target[length] = 0;
        count += strstr(target, needle) != NULL;
    }
    closedir(dir);
    return count;
}

/* Lines of /proc/self/maps that are shared memory or the test's file. */
static int shared_mappings(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps)
        return -1;
    char line[512];
    int count = 0;
    while (fgets(line, sizeof(line), maps))
        count += strstr(line, "/dev/shm/") || strstr(line, "memfd:") || strstr(line, "w32mem-names");
    fclose(maps);
    return count;
}

static HANDLE open_or_create(unsigned which, HANDLE *file)
{
    *file = INVALID_HANDLE_VALUE;
    if (which < NAMES - 1)
        return CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, SECTION_BYTES, names[which]);
    *file = CreateFileA(file_path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                        OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (*file == INVALID_HANDLE_VALUE)
        return NULL;
    return CreateFileMappingA(*file, NULL, PAGE_READWRITE, 0, SECTION_BYTES, names[which]);
}

/* One child: rounds of create-or-open, map, write, sometimes hold a while,
 * unmap and close; exit 0 if it leaked nothing.  The parent may kill it at
 * any point. */
static void child(unsigned seed, unsigned rounds)
{
    srand(seed);
    /* What the library keeps open once per process is opened first. */
    HANDLE warm_file, warm = open_or_create(0, &warm_file);
    if (!warm || !CloseHandle(warm))
        _exit(17);
    int descriptors = count_matching("/proc/self/fd", "");
    for (unsigned round = 0; round < rounds; round++) {
        unsigned which = (unsigned)rand() % NAMES;
        HANDLE file, mapping;
        if (rand() % 3 == 0) {
            mapping = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, names[which]);
            file = INVALID_HANDLE_VALUE;
            if (!mapping && GetLastError() != ERROR_FILE_NOT_FOUND)
                _exit(10);
            if (!mapping)
                continue;
        } else {
            mapping = open_or_create(which, &file);
            if (!mapping)
                _exit(11);
        }
        volatile unsigned *view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
        if (!view)
            _exit(12);
        __atomic_add_fetch(view, 1, __ATOMIC_RELAXED);
        if (rand() % 4 == 0)
            usleep((useconds_t)(rand() % 3000));
        if (!UnmapViewOfFile((void *)view) || !CloseHandle(mapping))
            _exit(13);
        if (file != INVALID_HANDLE_VALUE && !CloseHandle(file))
            _exit(14);
    }
    if (count_matching("/proc/self/fd", "") != descriptors)
        _exit(15);
    if (shared_mappings() != 0)
        _exit(16);
    _exit(0);
}

/* Names of this test's objects still bound: the namespace binds each name
 * to an abstract socket, which /proc/net/unix lists. */
static int leftovers(void)
{
    FILE *sockets = fopen("/proc/net/unix", "r");
    ck_assert_ptr_nonnull(sockets);
    char needle[80], line[512];
    snprintf(needle, sizeof(needle), "l-w32mem-names-%d-", (int)getpid());
    int left = 0;
    while (fgets(line, sizeof(line), sockets))
        left += strstr(line, needle) != NULL;
    fclose(sockets);
    return left;
}

/* The fresh process: it only looks a name up, which makes it look at the
 * namespace, before Check's main runs. */
__attribute__((constructor)) static void fresh_process(void)
{
    const char *name = getenv("W32MEM_NAMES_FRESH");
    if (!name)
        return;
    SetLastError(0xdead);
    HANDLE mapping = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    _exit(!mapping && GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : 1);
}

START_TEST(processes_share_names_and_die)
{
    for (unsigned i = 0; i < NAMES; i++)
        snprintf(names[i], sizeof(names[i]), "w32mem-names-%d-%u", (int)getpid(), i);
    const char *tmp = getenv("TMPDIR");
    snprintf(file_path, sizeof(file_path), "%s/w32mem-names-%d.dat", tmp ? tmp : "/tmp", (int)getpid());

    /* The namespace is in use before the children start. */
    SetLastError(0xdead);
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, names[0]));
    ck_assert_last_error(ERROR_FILE_NOT_FOUND);

    pid_t children[CHILDREN] = { 0 };
    unsigned long started = 0, killed = 0, finished = 0;
    time_t deadline = time(NULL) + stress_seconds();
    unsigned seed = (unsigned)getpid();
    while (time(NULL) < deadline) {
        for (unsigned i = 0; i < CHILDREN; i++) {
            if (children[i])
                continue;
            pid_t pid = fork();
            ck_assert_int_ge(pid, 0);
            if (pid == 0)
                child(seed + (unsigned)started, 50 + (unsigned)(started % 200));
            children[i] = pid;
            started++;
        }
        usleep(2000 + (useconds_t)(rand_r(&seed) % 8000));
        /* Only the odd slots are killed, so that however slowly children
         * run (under ThreadSanitizer, say) the even ones finish. */
        unsigned victim = 1 + 2 * ((unsigned)rand_r(&seed) % (CHILDREN / 2));
        if (rand_r(&seed) % 2 && kill(children[victim], SIGKILL) == 0) {
            int status;
            ck_assert_int_eq(waitpid(children[victim], &status, 0), children[victim]);
            ck_assert_msg((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
                              (WIFEXITED(status) && WEXITSTATUS(status) == 0),
                          "child exited with status %#x", status);
            killed += WIFSIGNALED(status);
            finished += WIFEXITED(status);
            children[victim] = 0;
        }
        for (unsigned i = 0; i < CHILDREN; i++) {
            int status;
            if (children[i] && waitpid(children[i], &status, WNOHANG) == children[i]) {
                ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited with status %#x",
                              status);
                finished++;
                children[i] = 0;
            }
        }
    }
    /* The last odd ones die holding whatever they hold; the even ones end
     * their rounds. */
    for (unsigned i = 0; i < CHILDREN; i++) {
        if (!children[i])
            continue;
        if (i % 2)
            kill(children[i], SIGKILL);
        int status;
        ck_assert_int_eq(waitpid(children[i], &status, 0), children[i]);
        ck_assert(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
        killed += WIFSIGNALED(status);
        finished += WIFEXITED(status);
    }
    printf("names: %lu processes in %u s, %lu killed, %lu finished clean\n", started, stress_seconds(), killed,
           finished);
    ck_assert_uint_gt(killed, 0);
    ck_assert_uint_gt(finished, 0);

    /* Every holder is gone: no name is left, and creating makes a new object. */
    for (unsigned i = 0; i < NAMES; i++) {
        SetLastError(0xdead);
        ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, names[i]));
        ck_assert_last_error(ERROR_FILE_NOT_FOUND);
    }
    for (unsigned i = 0; i < NAMES - 1; i++) {
        HANDLE file;
        SetLastError(0xdead);
        HANDLE mapping = open_or_create(i, &file);
        ck_assert_ptr_nonnull(mapping);
        ck_assert_last_error(ERROR_SUCCESS);
        unsigned *view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
        ck_assert_ptr_nonnull(view);
        ck_assert_uint_eq(*view, 0);            /* fresh: none of the dead children's counts */
        ck_assert(UnmapViewOfFile(view));
        ck_assert(CloseHandle(mapping));
    }
    HANDLE file;
    SetLastError(0xdead);
    HANDLE mapping = open_or_create(NAMES - 1, &file);
    ck_assert_ptr_nonnull(mapping);
    ck_assert_last_error(ERROR_SUCCESS);
    ck_assert(CloseHandle(mapping));
    ck_assert(CloseHandle(file));

    /* A fresh process looks at the namespace (and clears what the dead
     * left); after that no object file of these names remains. */
    printf("names: %d names of dead holders still bound before a fresh process ran\n", leftovers());
    pid_t fresh = fork();
    ck_assert_int_ge(fresh, 0);
    if (fresh == 0) {
        setenv("W32MEM_NAMES_FRESH", names[0], 1);
        char program[4096];
        test_program_path(program, sizeof(program));
        execl(program, "test_stress_names", (char *)NULL);
        _exit(20);
    }
    int status;
    ck_assert_int_eq(waitpid(fresh, &status, 0), fresh);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the fresh process exited with %#x", status);
    ck_assert_int_eq(leftovers(), 0);
    unlink(file_path);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("stress: names");
    TCase *soak = tcase_create("names");
    tcase_set_timeout(soak, stress_seconds() + 120);
    tcase_add_test(soak, processes_share_names_and_die);
    suite_add_tcase(suite, soak);
    return suite;
}
