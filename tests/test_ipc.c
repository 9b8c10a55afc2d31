/* Named mappings between real processes: children are this program
 * re-executed in a role (W32MEM_IPC_ROLE), so each is a fresh process that
 * knows only the mapping's name. */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "namespace.h"
#include "probe.h"

#define SLOTS 4096
#define WRITERS 4
#define RACERS 6
#define RACE_ROUNDS 300

struct board {
    long ready;             /* atomic: children that have started */
    long go;                /* atomic */
    long counter;           /* atomic: incremented by every writer */
    long slots[SLOTS];      /* slot i written by writer i % WRITERS */
    char message[64];
};

static char name[64];

static void sleep_ms(int ms)
{
    struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* --- Roles, run in the re-executed child ------------------------------ */

/* Starts before the writer exists, waits for the name, then for the message. */
static int role_early_reader(void)
{
    HANDLE m = NULL;
    for (int tries = 0; !m && tries < 2000; tries++) {
        m = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
        if (!m) {
            if (GetLastError() != ERROR_FILE_NOT_FOUND)
                return 10;
            sleep_ms(5);
        }
    }
    if (!m)
        return 11;
    struct board *board = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    if (!board)
        return 12;
    for (int tries = 0; !__atomic_load_n(&board->go, __ATOMIC_ACQUIRE) && tries < 2000; tries++)
        sleep_ms(5);
    int ok = strcmp(board->message, "written first") == 0;
    UnmapViewOfFile(board);
    CloseHandle(m);
    return ok ? 0 : 13;
}

static int role_writer(int index)
{
    HANDLE m = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name);
    struct board *board = m ? MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    if (!board)
        return 20;
    CloseHandle(m);                     /* the view keeps the section */
    __atomic_add_fetch(&board->ready, 1, __ATOMIC_ACQ_REL);
    while (!__atomic_load_n(&board->go, __ATOMIC_ACQUIRE))
        sleep_ms(1);
    for (int round = 0; round < 100; round++) {
        for (int slot = index; slot < SLOTS; slot += WRITERS)
            __atomic_add_fetch(&board->slots[slot], 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&board->counter, 1, __ATOMIC_RELEASE);
    }
    return UnmapViewOfFile(board) ? 0 : 21;
}

/* Opens the mapping, signals, and waits to be killed. */
static int role_holder(void)
{
    HANDLE m = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name);
    struct board *board = m ? MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    if (!board)
        return 30;
    __atomic_add_fetch(&board->ready, 1, __ATOMIC_ACQ_REL);
    for (;;)
        pause();
}

/* Creates and closes one name over and over; every object it sees must be
 * whole (its stamp set) and every first creator must find it empty. */
static int role_racer(void)
{
    for (int round = 0; round < RACE_ROUNDS; round++) {
        HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10000, name);
        if (!m)
            return 40;
        BOOL existed = GetLastError() == ERROR_ALREADY_EXISTS;
        long *stamp = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
        if (!stamp)
            return 41;
        if (existed) {
            /* Somebody else created it and set the stamp first, or is about to: wait briefly. */
            for (int tries = 0; !__atomic_load_n(stamp, __ATOMIC_ACQUIRE) && tries < 1000; tries++)
                sleep_ms(1);
            if (!__atomic_load_n(stamp, __ATOMIC_ACQUIRE))
                return 42;
        } else if (__atomic_exchange_n(stamp, (long)getpid(), __ATOMIC_ACQ_REL) != 0) {
            return 43;              /* a "new" object that someone had already used: stale */
        }
        __atomic_add_fetch(&stamp[1], 1, __ATOMIC_ACQ_REL);   /* holders, as seen by the object */
        __atomic_sub_fetch(&stamp[1], 1, __ATOMIC_ACQ_REL);
        UnmapViewOfFile(stamp);
        CloseHandle(m);
    }
    return 0;
}

/* A SEC_RESERVE section's first page, committed by the creator before the
 * peer maps it: the two processes' meeting place. */
struct reserve_board {
    long ready, go, peer_committed;
};

static size_t page(void)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwPageSize;
}

static BOOL shows(const void *address, DWORD state, DWORD protect)
{
    MEMORY_BASIC_INFORMATION info;
    return VirtualQuery(address, &info, sizeof(info)) == sizeof(info) && info.State == state &&
           info.Protect == protect && info.Type == MEM_MAPPED;
}

/* Uses the page the creator committed with no Virtual* call first, then
 * commits one for the creator to use the same way. */
static int role_reserve_peer(void)
{
    HANDLE m = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name);
    char *view = m ? MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    if (!view)
        return 60;
    struct reserve_board *board = (struct reserve_board *)view;
    size_t p = page();
    __atomic_store_n(&board->ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&board->go, __ATOMIC_ACQUIRE))
        sleep_ms(1);
    if (view[p] != 'a')
        return 61;
    view[p + 1] = 'b';
    if (!shows(view + p, MEM_COMMIT, PAGE_READWRITE) || !shows(view + 3 * p, MEM_RESERVE, 0))
        return 62;
    if (!access_faults(view + 3 * p, false))
        return 63;                  /* committed nowhere: still inaccessible */
    if (VirtualAlloc(view + 2 * p, p, MEM_COMMIT, PAGE_READWRITE) != view + 2 * p)
        return 64;
    view[2 * p] = 'c';
    __atomic_store_n(&board->peer_committed, 1, __ATOMIC_RELEASE);
    return UnmapViewOfFile(view) && CloseHandle(m) ? 0 : 65;
}

/* Another user must neither open nor squat on our names. */
static int role_stranger(void)
{
    if (OpenFileMappingA(FILE_MAP_READ, FALSE, name))
        return 50;
    if (GetLastError() != ERROR_FILE_NOT_FOUND)
        return 51;
    HANDLE own = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, name);
    if (!own || GetLastError() != ERROR_SUCCESS)
        return 52;                  /* its own, separate object of the same name */
    CloseHandle(own);
    return 0;
}

__attribute__((constructor)) static void run_role(void)
{
    const char *role = getenv("W32MEM_IPC_ROLE");
    const char *shared_name = getenv("W32MEM_IPC_NAME");
    if (!role || !shared_name)
        return;
    snprintf(name, sizeof(name), "%s", shared_name);
    int status = 99;
    if (strcmp(role, "early-reader") == 0)
        status = role_early_reader();
    else if (strncmp(role, "writer", 6) == 0)
        status = role_writer(atoi(role + 6));
    else if (strcmp(role, "holder") == 0)
        status = role_holder();
    else if (strcmp(role, "racer") == 0)
        status = role_racer();
    else if (strcmp(role, "stranger") == 0)
        status = role_stranger();
    else if (strcmp(role, "reserve-peer") == 0)
        status = role_reserve_peer();
    exit(status);
}

/* --- The parent ---------------------------------------------------------- */

static pid_t spawn(const char *role, uid_t uid)
{
    char program[4096];
    test_program_path(program, sizeof(program));
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        if (uid && (setgid(uid) != 0 || setuid(uid) != 0))
            _exit(98);
        setenv("W32MEM_IPC_ROLE", role, 1);
        setenv("W32MEM_IPC_NAME", name, 1);
        execl(program, "test_ipc", (char *)NULL);
        _exit(97);
    }
    ck_assert_int_gt(child, 0);
    return child;
}

static int reap(pid_t child)
{
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Entries of this test process's names in the user's namespace directory
 * (other programs of the same user may be using names of their own). */
static int namespace_entries(void)
{
    DIR *dir = opendir(ns_directory());
    ck_assert_ptr_nonnull(dir);
    char prefix[64];
    int length = snprintf(prefix, sizeof(prefix), "l-w32mem-ipc-%d-", (int)getpid());
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)))
        count += strncmp(entry->d_name, prefix, (size_t)length) == 0;
    closedir(dir);
    return count;
}

static void unique_name(void)
{
    static int serial;
    snprintf(name, sizeof(name), "Local\\w32mem-ipc-%d-%d", (int)getpid(), serial++);
}

static struct board *create_board(HANDLE *mapping)
{
    *mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, sizeof(struct board), name);
    ck_assert_ptr_nonnull(*mapping);
    ck_assert_uint_eq(GetLastError(), ERROR_SUCCESS);
    struct board *board = MapViewOfFile(*mapping, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(board);
    return board;
}

START_TEST(reader_starts_first)
{
    unique_name();
    ck_assert_int_eq(namespace_entries(), 0);
    int before = 0;
    pid_t reader = spawn("early-reader", 0);
    sleep_ms(50);
    HANDLE m;
    struct board *board = create_board(&m);
    strcpy(board->message, "written first");
    __atomic_store_n(&board->go, 1, __ATOMIC_RELEASE);
    ck_assert_int_eq(reap(reader), 0);
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    ck_assert_int_eq(namespace_entries(), before);
}
END_TEST

START_TEST(concurrent_writers)
{
    unique_name();
    HANDLE m;
    struct board *board = create_board(&m);
    pid_t writers[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        char role[16];
        snprintf(role, sizeof(role), "writer%d", i);
        writers[i] = spawn(role, 0);
    }
    while (__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE) < WRITERS)
        sleep_ms(1);
    __atomic_store_n(&board->go, 1, __ATOMIC_RELEASE);
    long seen = 0;
    while (seen < WRITERS * 100) {
        long now = __atomic_load_n(&board->counter, __ATOMIC_ACQUIRE);
        ck_assert_int_ge(now, seen);                    /* a reader sees progress only forwards */
        seen = now;
    }
    for (int i = 0; i < WRITERS; i++)
        ck_assert_int_eq(reap(writers[i]), 0);
    for (int slot = 0; slot < SLOTS; slot++)
        ck_assert_int_eq(board->slots[slot], 100);
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
}
END_TEST

START_TEST(killed_holders_leave_nothing)
{
    unique_name();
    ck_assert_int_eq(namespace_entries(), 0);
    int before = 0;
    HANDLE m;
    struct board *board = create_board(&m);
    pid_t holder = spawn("holder", 0);
    while (__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE) < 1)
        sleep_ms(1);
    ck_assert_int_eq(namespace_entries(), before + 1);
    /* The creator goes first: the name lives on in the holder. */
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    HANDLE still = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    ck_assert_ptr_nonnull(still);
    ck_assert(CloseHandle(still));
    kill(holder, SIGKILL);
    ck_assert_int_eq(reap(holder), 128 + SIGKILL);
    /* Nobody holds it now: the name is gone, and a create makes a new object. */
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
    ck_assert_uint_eq(GetLastError(), ERROR_FILE_NOT_FOUND);
    ck_assert_int_eq(namespace_entries(), before);
    board = create_board(&m);
    ck_assert_int_eq(board->ready, 0);
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    ck_assert_int_eq(namespace_entries(), before);
}
END_TEST

START_TEST(last_holder_killed_is_reclaimed)
{
    unique_name();
    ck_assert_int_eq(namespace_entries(), 0);
    int before = 0;
    HANDLE m;
    struct board *board = create_board(&m);
    pid_t holder = spawn("holder", 0);
    while (__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE) < 1)
        sleep_ms(1);
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
    kill(holder, SIGKILL);
    ck_assert_int_eq(reap(holder), 128 + SIGKILL);
    /* A fresh process sweeps the namespace when it first opens it. */
    pid_t stranger = spawn("stranger", 0);
    ck_assert_int_eq(reap(stranger), 0);
    ck_assert_int_eq(namespace_entries(), before);
}
END_TEST

START_TEST(create_close_race)
{
    unique_name();
    ck_assert_int_eq(namespace_entries(), 0);
    int before = 0;
    pid_t racers[RACERS];
    for (int i = 0; i < RACERS; i++)
        racers[i] = spawn("racer", 0);
    for (int i = 0; i < RACERS; i++)
        ck_assert_int_eq(reap(racers[i]), 0);
    ck_assert_int_eq(namespace_entries(), before);
}
END_TEST

/* A commit in one process's view is in every process's views at once: the
 * other process reads and writes the page with no Virtual* call first, and
 * VirtualQuery there shows it committed. */
START_TEST(sec_reserve_commits_cross_processes)
{
    /* The peer's first access to a page committed elsewhere faults and is
     * retried once the fault handler has synced the commitment: memcheck
     * reports that first access as an invalid read. */
    if (UNDER_VALGRIND)
        return;
    unique_name();
    size_t p = page();
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, (DWORD)(4 * p), name);
    ck_assert_ptr_nonnull(m);
    char *view = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    ck_assert_ptr_eq(VirtualAlloc(view, p, MEM_COMMIT, PAGE_READWRITE), view);
    struct reserve_board *board = (struct reserve_board *)view;
    pid_t peer = spawn("reserve-peer", 0);
    while (!__atomic_load_n(&board->ready, __ATOMIC_ACQUIRE))
        sleep_ms(1);
    ck_assert_ptr_eq(VirtualAlloc(view + p, p, MEM_COMMIT, PAGE_READWRITE), view + p);
    view[p] = 'a';
    __atomic_store_n(&board->go, 1, __ATOMIC_RELEASE);
    for (int tries = 0; !__atomic_load_n(&board->peer_committed, __ATOMIC_ACQUIRE) && tries < 10000; tries++)
        sleep_ms(1);
    ck_assert_int_eq(reap(peer), 0);
    /* The peer's commit, used here the same way. */
    ck_assert_int_eq(view[2 * p], 'c');
    view[2 * p + 1] = 'd';
    ck_assert_int_eq(view[p + 1], 'b');
    ck_assert(shows(view + 2 * p, MEM_COMMIT, PAGE_READWRITE));
    ck_assert(shows(view + 3 * p, MEM_RESERVE, 0));
    ck_assert_not_readable(view + 3 * p);
    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(m));
}
END_TEST

START_TEST(other_users_are_strangers)
{
    if (geteuid() != 0)
        return;                     /* needs root to become someone else */
    struct passwd *nobody = getpwnam("nobody");
    ck_assert_ptr_nonnull(nobody);
    unique_name();
    HANDLE m;
    struct board *board = create_board(&m);
    pid_t stranger = spawn("stranger", nobody->pw_uid);
    ck_assert_int_eq(reap(stranger), 0);
    /* Our object is untouched, and theirs lives in their own directory. */
    ck_assert_int_eq(board->ready, 0);
    struct stat st;
    ck_assert_int_eq(stat(ns_directory(), &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0700);
    ck_assert(UnmapViewOfFile(board));
    ck_assert(CloseHandle(m));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("ipc");
    TCase *tc = tcase_create("ipc");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reader_starts_first);
    tcase_add_test(tc, concurrent_writers);
    tcase_add_test(tc, killed_holders_leave_nothing);
    tcase_add_test(tc, last_holder_killed_is_reclaimed);
    tcase_add_test(tc, create_close_race);
    tcase_add_test(tc, sec_reserve_commits_cross_processes);
    tcase_add_test(tc, other_users_are_strangers);
    suite_add_tcase(suite, tc);
    return suite;
}
