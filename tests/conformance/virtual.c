/* Conformance: VirtualAlloc, VirtualFree, VirtualProtect, VirtualQuery,
 * VirtualLock and the Ex forms (windows-behaviour.md sections A-F). */
#include "conformance.h"

#define P 0x1000
#define G 0x10000

static const DWORD protections[] = {
    PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE,
    PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY, 0,
    PAGE_READONLY | PAGE_EXECUTE, PAGE_READWRITE | PAGE_NOACCESS,
    PAGE_READWRITE | PAGE_EXECUTE_WRITECOPY, PAGE_READWRITE | PAGE_GUARD,
    PAGE_READONLY | PAGE_GUARD, PAGE_READWRITE | PAGE_NOCACHE, PAGE_READWRITE | PAGE_WRITECOMBINE,
    PAGE_NOACCESS | PAGE_GUARD, PAGE_GUARD, PAGE_NOCACHE, PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE,
    PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE, 0x800,
};
#define PROTECTIONS (sizeof protections / sizeof protections[0])

static void release(void *base)
{
    VirtualFree(base, 0, MEM_RELEASE);
}

static void allocation_sizes(void)
{
    char *a;

    heading("sizes and alignment");
    ptr_is("reserve size 0", TRY(VirtualAlloc(NULL, 0, MEM_RESERVE, PAGE_NOACCESS)), NULL);
    ptr_is("commit size 0", TRY(VirtualAlloc(NULL, 0, MEM_COMMIT, PAGE_READWRITE)), NULL);
    a = TRY(VirtualAlloc(NULL, 0xFFFC, MEM_RESERVE, PAGE_NOACCESS));
    ptr_is("reserve 0xfffc", a, NULL);
    query_is("reserve 0xfffc query", a, a);
    query_is("reserve 0xfffc query mid-page", a + 0x1234, a);
    query_is("reserve 0xfffc query last byte", a + 0xffff, a);
    release(a);
    a = TRY(VirtualAlloc(NULL, 1, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
    ptr_is("commit 1 byte", a, NULL);
    query_is("commit 1 byte query", a, a);
    yes_no("commit 1 byte aligned to 64K", ((ULONG_PTR)a & 0xffff) == 0);
    release(a);
    a = TRY(VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE));
    yes_no("reserve 0x2000 aligned to 64K", ((ULONG_PTR)a & 0xffff) == 0);
    bool_is("release 0x2000", TRY(VirtualFree(a, 0, MEM_RELEASE)));
    ptr_is("realloc at released address", TRY(VirtualAlloc(a, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)), a);
    query_is("realloc at released address query", a, a);
    release(a);
    a = TRY(VirtualAlloc(NULL, 0x11000, MEM_RESERVE, PAGE_READWRITE));
    query_is("reserve 0x11000 query", a, a);
    release(a);
    a = TRY(VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE));
    ptr_is("reserve top-down", a, NULL);
    query_is("reserve top-down query", a, a);
    release(a);
    a = TRY(VirtualAlloc(NULL, 0x10000, MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE));
    ptr_is("commit top-down", a, NULL);
    query_is("commit top-down query", a, a);
    release(a);
    ptr_is("reserve huge", TRY(VirtualAlloc(NULL, (SIZE_T)1 << 62, MEM_RESERVE, PAGE_NOACCESS)), NULL);
    ptr_is("reserve ~0", TRY(VirtualAlloc(NULL, ~(SIZE_T)0, MEM_RESERVE, PAGE_NOACCESS)), NULL);
    ptr_is("reserve below 64K", TRY(VirtualAlloc((void *)0x1000, P, MEM_RESERVE, PAGE_READWRITE)), NULL);
    ptr_is("reserve wrapping", TRY(VirtualAlloc((void *)0x7fff0000, ~(SIZE_T)0 - 0x1000, MEM_RESERVE, PAGE_READWRITE)), NULL);
    ptr_is("reserve above user space", TRY(VirtualAlloc((void *)0xffff800000000000ULL, G, MEM_RESERVE, PAGE_READWRITE)), NULL);
}

static void allocation_types(void)
{
    static const DWORD types[] = {
        0, MEM_COMMIT, MEM_RESERVE, MEM_RESERVE | MEM_COMMIT, MEM_WRITE_WATCH,
        MEM_RESERVE | MEM_WRITE_WATCH, MEM_COMMIT | MEM_WRITE_WATCH, MEM_TOP_DOWN,
        MEM_DECOMMIT, MEM_RELEASE, MEM_FREE, MEM_RESERVE | MEM_DECOMMIT, MEM_COMMIT | MEM_RELEASE,
        MEM_RESERVE | 0x40000000, MEM_RESERVE | MEM_COMMIT | MEM_RESET, MEM_RESET_UNDO,
        MEM_RESERVE | MEM_RESET_UNDO, MEM_RESERVE | MEM_PRIVATE, MEM_RESERVE | MEM_MAPPED,
        MEM_RESERVE | 0x10, MEM_RESERVE | MEM_COMMIT | 0x1,
    };
    unsigned i;

    heading("allocation types");
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        char *a = TRY(VirtualAlloc(NULL, G, types[i], PAGE_READWRITE));

        ptr_is(named("alloc type 0x%lx", (unsigned long)types[i]), a, NULL);
        if (a) {
            query_is(named("alloc type 0x%lx query", (unsigned long)types[i]), a, a);
            release(a);
        }
    }
}

static void protections_on_alloc(void)
{
    unsigned i;

    heading("protections at allocation");
    for (i = 0; i < PROTECTIONS; i++) {
        char *a = TRY(VirtualAlloc(NULL, P, MEM_COMMIT, protections[i]));

        ptr_is(named("commit prot 0x%lx", (unsigned long)protections[i]), a, NULL);
        if (a) {
            query_is(named("commit prot 0x%lx query", (unsigned long)protections[i]), a, a);
            release(a);
        }
        a = TRY(VirtualAlloc(NULL, G, MEM_RESERVE, protections[i]));
        ptr_is(named("reserve prot 0x%lx", (unsigned long)protections[i]), a, NULL);
        if (a) {
            query_is(named("reserve prot 0x%lx query", (unsigned long)protections[i]), a, a);
            release(a);
        }
    }
}

static void protections_on_change(void)
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    unsigned i;

    heading("VirtualProtect and re-commit");
    for (i = 0; i < PROTECTIONS; i++) {
        old = 0x5555;
        bool_is(named("protect RW to 0x%lx", (unsigned long)protections[i]),
                TRY(VirtualProtect(a, P, protections[i], &old)));
        fact(named("protect RW to 0x%lx old", (unsigned long)protections[i]), "0x%lx", (unsigned long)old);
        query_is(named("protect RW to 0x%lx query", (unsigned long)protections[i]), a, a);
        VirtualProtect(a, P, PAGE_READWRITE, &old);
        ptr_is(named("recommit as 0x%lx", (unsigned long)protections[i]),
               TRY(VirtualAlloc(a + P, P, MEM_COMMIT, protections[i])), a);
        query_is(named("recommit as 0x%lx query", (unsigned long)protections[i]), a + P, a);
        VirtualProtect(a + P, P, PAGE_READWRITE, &old);
    }
    release(a);
}

static void protect_rules(void)
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);
    DWORD old = 0x5555;

    heading("VirtualProtect rules");
    bool_is("protect reserved", TRY(VirtualProtect(a, 0xFFFC, PAGE_READONLY, &old)));
    ptr_is("commit first page NOACCESS", TRY(VirtualAlloc(a, P, MEM_COMMIT, PAGE_NOACCESS)), a);
    query_is("commit first page query", a, a);
    query_is("commit first page query rest", a + P, a);
    bool_is("protect partly committed", TRY(VirtualProtect(a, 0xFFFC, PAGE_READONLY, &old)));
    bool_is("protect NOACCESS to RO", TRY(VirtualProtect(a, P, PAGE_READONLY, &old)));
    fact("protect NOACCESS to RO old", "0x%lx", (unsigned long)old);
    bool_is("protect RO to RW", TRY(VirtualProtect(a, P, PAGE_READWRITE, &old)));
    fact("protect RO to RW old", "0x%lx", (unsigned long)old);
    query_is("protect RO to RW query", a, a);
    bool_is("protect NULL old", TRY(VirtualProtect(a, P, PAGE_READONLY, NULL)));
    query_is("protect NULL old query", a, a);
    bool_is("protect size 0", TRY(VirtualProtect(a, 0, PAGE_READONLY, &old)));
    fact("protect size 0 old", "0x%lx", (unsigned long)old);
    query_is("protect size 0 query", a, a);
    bool_is("protect size 0 mid-page", TRY(VirtualProtect(a + 0x10, 0, PAGE_READONLY, &old)));
    fact("protect size 0 mid-page old", "0x%lx", (unsigned long)old);
    query_is("protect size 0 mid-page query", a, a);
    bool_is("protect size 0 on reserved page", TRY(VirtualProtect(a + P, 0, PAGE_READONLY, &old)));
    VirtualProtect(a, P, PAGE_READWRITE, &old);
    bool_is("protect mid-page start", TRY(VirtualProtect(a + 0x800, 0x10, PAGE_READONLY, &old)));
    fact("protect mid-page start old", "0x%lx", (unsigned long)old);
    query_is("protect mid-page start query", a, a);
    bool_is("protect Ex NULL process", TRY(VirtualProtectEx(NULL, a, P, PAGE_READWRITE, &old)));
    bool_is("protect Ex current process", TRY(VirtualProtectEx(GetCurrentProcess(), a, P, PAGE_READWRITE, &old)));
    fact("protect Ex current process old", "0x%lx", (unsigned long)old);
    release(a);
    bool_is("protect released", TRY(VirtualProtect(a, P, PAGE_READONLY, &old)));

    a = VirtualAlloc(NULL, G, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    bool_is("protect 3 pages RO", TRY(VirtualProtect(a, 3 * P, PAGE_READONLY, &old)));
    fact("protect 3 pages RO old", "0x%lx", (unsigned long)old);
    query_is("protect 3 pages RO query", a, a);
    query_is("protect 3 pages RO query after", a + 3 * P, a);
    bool_is("protect across RO and RW", TRY(VirtualProtect(a + 2 * P, 2 * P, PAGE_EXECUTE_READ, &old)));
    fact("protect across RO and RW old", "0x%lx", (unsigned long)old);
    query_is("protect across query first", a, a);
    query_is("protect across query second", a + 2 * P, a);
    bool_is("protect all back to RW", TRY(VirtualProtect(a, G, PAGE_READWRITE, &old)));
    fact("protect all back to RW old", "0x%lx", (unsigned long)old);
    query_is("protect all back to RW query", a + 0x5000, a);
    bool_is("protect past the allocation", TRY(VirtualProtect(a, G + P, PAGE_READONLY, &old)));
    query_is("protect past the allocation query", a, a);
    a[5] = 42;
    VirtualProtect(a, P, PAGE_READONLY, &old);
    yes_no("content survives protect", a[5] == 42);
    release(a);
}

static void nocache_and_guard(void)
{
    char *a = TRY(VirtualAlloc(NULL, 0x2000, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE));
    DWORD old = 0;

    heading("PAGE_NOCACHE and PAGE_GUARD");
    query_is("nocache query", a, a);
    bool_is("nocache protect RW", TRY(VirtualProtect(a, P, PAGE_READWRITE, &old)));
    fact("nocache protect RW old", "0x%lx", (unsigned long)old);
    query_is("nocache protect RW query", a, a);
    bool_is("nocache protect RO", TRY(VirtualProtect(a, P, PAGE_READONLY, &old)));
    fact("nocache protect RO old", "0x%lx", (unsigned long)old);
    query_is("nocache protect RO query", a, a);
    release(a);
    a = VirtualAlloc(NULL, P, MEM_COMMIT, PAGE_READWRITE);
    bool_is("add nocache to normal page", TRY(VirtualProtect(a, P, PAGE_READONLY | PAGE_NOCACHE, &old)));
    fact("add nocache to normal page old", "0x%lx", (unsigned long)old);
    query_is("add nocache to normal page query", a, a);
    release(a);

    a = TRY(VirtualAlloc(NULL, P, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD));
    query_is("guard query", a, a);
    bool_is("guard protect RW", TRY(VirtualProtect(a, P, PAGE_READWRITE, &old)));
    fact("guard protect RW old", "0x%lx", (unsigned long)old);
    bool_is("guard protect RW|GUARD", TRY(VirtualProtect(a, P, PAGE_READWRITE | PAGE_GUARD, &old)));
    fact("guard protect RW|GUARD old", "0x%lx", (unsigned long)old);
    query_is("guard rearmed query", a, a);
    release(a);
}

static void commit_rules(void)
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);
    char *b;

    heading("commit and reserve at addresses");
    ptr_is("commit page 1", TRY(VirtualAlloc(a + P, P, MEM_COMMIT, PAGE_READWRITE)), a);
    query_is("commit page 1 query 0", a, a);
    query_is("commit page 1 query 1", a + P, a);
    query_is("commit page 1 query 2", a + 2 * P, a);
    ptr_is("commit unaligned address", TRY(VirtualAlloc(a + 0x3234, 0x10, MEM_COMMIT, PAGE_READONLY)), a);
    query_is("commit unaligned address query", a + 0x3000, a);
    ptr_is("commit straddling pages", TRY(VirtualAlloc(a + 0x5ff0, 0x20, MEM_COMMIT, PAGE_READONLY)), a);
    query_is("commit straddling pages query", a + 0x5000, a);
    ptr_is("commit across the end", TRY(VirtualAlloc(a + 0xf000, 0x2000, MEM_COMMIT, PAGE_READWRITE)), a);
    query_is("commit across the end query", a + 0xf000, a);
    ptr_is("reserve inside reservation", TRY(VirtualAlloc(a + P, P, MEM_RESERVE, PAGE_READWRITE)), a);
    ptr_is("reserve+commit inside reservation", TRY(VirtualAlloc(a + P, P, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)), a);
    ptr_is("reserve at base again", TRY(VirtualAlloc(a, G, MEM_RESERVE, PAGE_READWRITE)), a);
    ptr_is("commit whole reservation", TRY(VirtualAlloc(a, G, MEM_COMMIT, PAGE_READWRITE)), a);
    query_is("commit whole reservation query", a + 0x3000, a);
    a[G - 1] = 1;
    release(a);
    ptr_is("commit in free memory", TRY(VirtualAlloc(a, P, MEM_COMMIT, PAGE_READWRITE)), a);
    ptr_is("reserve unaligned address", TRY(VirtualAlloc(a + 0x1234, 0x1000, MEM_RESERVE, PAGE_READWRITE)), a);
    query_is("reserve unaligned address query", a, a);
    release(a);
    ptr_is("reserve+commit unaligned address", b = TRY(VirtualAlloc(a + 0x5678, 0x10, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)), a);
    query_is("reserve+commit unaligned address query", a, a);
    query_is("reserve+commit unaligned address query page", a + 0x5000, a);
    release(a);
    ptr_is("Ex NULL process", TRY(VirtualAllocEx(NULL, NULL, G, MEM_RESERVE, PAGE_READWRITE)), NULL);
    b = TRY(VirtualAllocEx(GetCurrentProcess(), NULL, G, MEM_RESERVE, PAGE_READWRITE));
    ptr_is("Ex current process", b, NULL);
    bool_is("free Ex NULL process", TRY(VirtualFreeEx(NULL, b, 0, MEM_RELEASE)));
    bool_is("free Ex current process", TRY(VirtualFreeEx(GetCurrentProcess(), b, 0, MEM_RELEASE)));
}

static void free_rules(void)
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);
    char *b;

    heading("VirtualFree");
    VirtualAlloc(a, P, MEM_COMMIT, PAGE_READWRITE);
    bool_is("free type 0", TRY(VirtualFree(a, G, 0)));
    bool_is("free MEM_FREE", TRY(VirtualFree(a, 0, MEM_FREE)));
    bool_is("free DECOMMIT|RELEASE", TRY(VirtualFree(a, 0, MEM_DECOMMIT | MEM_RELEASE)));
    bool_is("free type 0x12345", TRY(VirtualFree(a, 0, 0x12345)));
    bool_is("release with size", TRY(VirtualFree(a, 1, MEM_RELEASE)));
    bool_is("release not at base", TRY(VirtualFree(a + P, 0, MEM_RELEASE)));
    bool_is("release NULL", TRY(VirtualFree(NULL, 0, MEM_RELEASE)));
    bool_is("decommit NULL", TRY(VirtualFree(NULL, P, MEM_DECOMMIT)));
    bool_is("decommit 64K", TRY(VirtualFree(a, G, MEM_DECOMMIT)));
    query_is("decommit 64K query", a, a);
    bool_is("decommit reserved again", TRY(VirtualFree(a, G, MEM_DECOMMIT)));
    bool_is("decommit past the end", TRY(VirtualFree(a, G + P, MEM_DECOMMIT)));
    bool_is("decommit size 0 at 0x1001", TRY(VirtualFree(a + 0x1001, 0, MEM_DECOMMIT)));
    VirtualAlloc(a, G, MEM_COMMIT, PAGE_READWRITE);
    bool_is("decommit size 0 at 0xffe", TRY(VirtualFree(a + 0xffe, 0, MEM_DECOMMIT)));
    query_is("decommit size 0 at 0xffe query", a, a);
    query_is("decommit size 0 at 0xffe query end", a + 0xf000, a);
    VirtualAlloc(a, G, MEM_COMMIT, PAGE_READWRITE);
    bool_is("decommit widened", TRY(VirtualFree(a + 0x1fff, 2, MEM_DECOMMIT)));
    query_is("decommit widened query 1", a + 0x1000, a);
    query_is("decommit widened query 2", a + 0x2000, a);
    query_is("decommit widened query 3", a + 0x3000, a);
    a[0x5000] = 7;
    VirtualFree(a + 0x5000, P, MEM_DECOMMIT);
    VirtualAlloc(a + 0x5000, P, MEM_COMMIT, PAGE_READWRITE);
    yes_no("recommitted page reads zero", a[0x5000] == 0);
    bool_is("release at base+0xfff", TRY(VirtualFree(a + 0xfff, 0, MEM_RELEASE)));
    query_is("release at base+0xfff query", a, a);
    bool_is("release twice", TRY(VirtualFree(a, 0, MEM_RELEASE)));
    bool_is("decommit released", TRY(VirtualFree(a, P, MEM_DECOMMIT)));
    b = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);
    bool_is("release at base+0x1000", TRY(VirtualFree(b + 0x1000, 0, MEM_RELEASE)));
    bool_is("release at base+0x1001", TRY(VirtualFree(b + 0x1001, 0, MEM_RELEASE)));
    bool_is("release at base", TRY(VirtualFree(b, 0, MEM_RELEASE)));
    query_is("released query", b, b);
    query_is("released query mid", b + 0x1234, b);
}

static void reset_rules(void)
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);

    heading("MEM_RESET");
    VirtualAlloc(a, P, MEM_COMMIT, PAGE_READWRITE);
    memset(a, 0x55, P);
    ptr_is("reset committed", TRY(VirtualAlloc(a, P, MEM_RESET, PAGE_NOACCESS)), a);
    query_is("reset committed query", a, a);
    yes_no("reset contents kept or zero", a[0] == 0x55 || a[0] == 0);
    ptr_is("reset reserved", TRY(VirtualAlloc(a + P, P, MEM_RESET, PAGE_NOACCESS)), a);
    query_is("reset reserved query", a + P, a);
    ptr_is("reset across the end", TRY(VirtualAlloc(a + 0xf000, 0x2000, MEM_RESET, PAGE_NOACCESS)), a);
    ptr_is("reset with RW protection", TRY(VirtualAlloc(a, P, MEM_RESET, PAGE_READWRITE)), a);
    ptr_is("reset with bad protection", TRY(VirtualAlloc(a, P, MEM_RESET, 0x12345)), a);
    ptr_is("reset|commit", TRY(VirtualAlloc(a, P, MEM_RESET | MEM_COMMIT, PAGE_READWRITE)), a);
    ptr_is("reset undo", TRY(VirtualAlloc(a, P, MEM_RESET_UNDO, PAGE_READWRITE)), a);
    release(a);
    ptr_is("reset free memory", TRY(VirtualAlloc(a, P, MEM_RESET, PAGE_READWRITE)), a);
}

static void query_rules(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    SYSTEM_INFO si;

    heading("VirtualQuery");
    num_is("query short buffer", TRY(VirtualQuery(a, &info, sizeof info - 1)));
    num_is("query zero buffer", TRY(VirtualQuery(a, &info, 0)));
    num_is("query long buffer", TRY(VirtualQuery(a, &info, sizeof info + 16)));
    num_is("query above user space", TRY(VirtualQuery((void *)0xffff800000000000ULL, &info, sizeof info)));
    GetSystemInfo(&si);
    num_is("query max application address", TRY(VirtualQuery(si.lpMaximumApplicationAddress, &info, sizeof info)));
    num_is("query past max application address",
           TRY(VirtualQuery((char *)si.lpMaximumApplicationAddress + 1, &info, sizeof info)));
    query_is("query NULL", NULL, NULL);
    query_is("query 0x1000", (void *)0x1000, NULL);
    num_is("query Ex NULL process", TRY(VirtualQueryEx(NULL, a, &info, sizeof info)));
    num_is("query Ex current process", TRY(VirtualQueryEx(GetCurrentProcess(), a, &info, sizeof info)));
    fact("query Ex fields", "%s size=0x%llx", offset_text(info.BaseAddress, a), (unsigned long long)info.RegionSize);
    query_is("query committed", a, a);
    query_is("query committed last page", a + 0xf000, a);
    release(a);
}

static void lock_rules(void)
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_READWRITE);

    heading("VirtualLock");
    VirtualAlloc(a, 4 * P, MEM_COMMIT, PAGE_READWRITE);
    bool_is("lock committed", TRY(VirtualLock(a, 2 * P)));
    bool_is("unlock committed", TRY(VirtualUnlock(a, 2 * P)));
    bool_is("unlock again", TRY(VirtualUnlock(a, 2 * P)));
    bool_is("lock reserved", TRY(VirtualLock(a + 4 * P, P)));
    bool_is("lock partly committed", TRY(VirtualLock(a + 3 * P, 2 * P)));
    bool_is("unlock never locked", TRY(VirtualUnlock(a + 2 * P, P)));
    bool_is("lock unaligned", TRY(VirtualLock(a + 0x10, 0x10)));
    bool_is("unlock unaligned", TRY(VirtualUnlock(a + 0x20, 0x10)));
    query_is("lock query", a, a);
    release(a);
    bool_is("lock free memory", TRY(VirtualLock(a, P)));
}

int main(void)
{
    allocation_sizes();
    allocation_types();
    protections_on_alloc();
    protections_on_change();
    protect_rules();
    nocache_and_guard();
    commit_rules();
    free_rules();
    reset_rules();
    query_rules();
    lock_rules();
    num_is("large page minimum", TRY(GetLargePageMinimum()));
    return 0;
}
