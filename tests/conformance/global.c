/* Conformance: GlobalAlloc/Lock/Unlock/ReAlloc/Size/Flags/Handle/Free and
 * the Local* twins. Only valid handles are passed: Windows crashes on some
 * invalid ones on 64-bit (windows-behaviour.md part 3, note 10). */
#include "conformance.h"

typedef HGLOBAL (WINAPI *alloc_fn)(UINT, SIZE_T);
typedef HGLOBAL (WINAPI *realloc_fn)(HGLOBAL, SIZE_T, UINT);
typedef LPVOID (WINAPI *lock_fn)(HGLOBAL);
typedef BOOL (WINAPI *unlock_fn)(HGLOBAL);
typedef SIZE_T (WINAPI *size_fn)(HGLOBAL);
typedef UINT (WINAPI *flags_fn)(HGLOBAL);
typedef HGLOBAL (WINAPI *handle_fn)(LPCVOID);
typedef HGLOBAL (WINAPI *free_fn)(HGLOBAL);

struct family {
    const char *name;
    alloc_fn alloc;
    realloc_fn realloc;
    lock_fn lock;
    unlock_fn unlock;
    size_fn size;
    flags_fn flags;
    handle_fn handle;
    free_fn free;
};

static HLOCAL WINAPI local_alloc(UINT flags, SIZE_T size) { return LocalAlloc(flags, size); }
static HLOCAL WINAPI local_realloc(HLOCAL h, SIZE_T size, UINT flags) { return LocalReAlloc(h, size, flags); }
static LPVOID WINAPI local_lock(HLOCAL h) { return LocalLock(h); }
static BOOL WINAPI local_unlock(HLOCAL h) { return LocalUnlock(h); }
static SIZE_T WINAPI local_size(HLOCAL h) { return LocalSize(h); }
static UINT WINAPI local_flags(HLOCAL h) { return LocalFlags(h); }
static HLOCAL WINAPI local_handle(LPCVOID p) { return LocalHandle(p); }
static HLOCAL WINAPI local_free(HLOCAL h) { return LocalFree(h); }

static HGLOBAL WINAPI global_alloc(UINT flags, SIZE_T size) { return GlobalAlloc(flags, size); }
static HGLOBAL WINAPI global_realloc(HGLOBAL h, SIZE_T size, UINT flags) { return GlobalReAlloc(h, size, flags); }
static LPVOID WINAPI global_lock(HGLOBAL h) { return GlobalLock(h); }
static BOOL WINAPI global_unlock(HGLOBAL h) { return GlobalUnlock(h); }
static SIZE_T WINAPI global_size(HGLOBAL h) { return GlobalSize(h); }
static UINT WINAPI global_flags(HGLOBAL h) { return GlobalFlags(h); }
static HGLOBAL WINAPI global_handle(LPCVOID p) { return GlobalHandle(p); }
static HGLOBAL WINAPI global_free(HGLOBAL h) { return GlobalFree(h); }

static const struct family families[] = {
    { "Global", global_alloc, global_realloc, global_lock, global_unlock, global_size, global_flags,
      global_handle, global_free },
    { "Local", local_alloc, local_realloc, local_lock, local_unlock, local_size, local_flags,
      local_handle, local_free },
};

static const char *is_handle(HGLOBAL h, HGLOBAL expected)
{
    return !h ? "NULL" : h == expected ? "same" : "other";
}

static void fixed(const struct family *f)
{
    char *p, *q;
    HGLOBAL h;
    unsigned i, nonzero = 0;

    p = TRY(f->alloc(GMEM_FIXED, 10));
    ptr_is(named("%s fixed alloc", f->name), p, NULL);
    num_is(named("%s fixed size", f->name), TRY(f->size(p)));
    num_is(named("%s fixed flags", f->name), TRY(f->flags(p)));
    h = TRY(f->handle(p));
    emit(named("%s fixed handle", f->name), GetLastError(), "%s", is_handle(h, p));
    ptr_is(named("%s fixed lock", f->name), TRY(f->lock(p)), p);
    num_is(named("%s fixed flags locked", f->name), TRY(f->flags(p)));
    bool_is(named("%s fixed unlock", f->name), TRY(f->unlock(p)));
    bool_is(named("%s fixed unlock again", f->name), TRY(f->unlock(p)));
    q = TRY(f->realloc(p, 20, 0));
    emit(named("%s fixed realloc grow no flags", f->name), GetLastError(), "%s", is_handle(q, p));
    if (q)
        p = q;
    q = TRY(f->realloc(p, 5000, GMEM_MOVEABLE));
    ptr_is(named("%s fixed realloc grow moveable", f->name), q, NULL);
    if (q)
        p = q;
    num_is(named("%s fixed size after realloc", f->name), TRY(f->size(p)));
    q = TRY(f->realloc(p, 8, 0));
    emit(named("%s fixed realloc shrink", f->name), GetLastError(), "%s", is_handle(q, p));
    if (q)
        p = q;
    q = TRY(f->realloc(p, 0, GMEM_MODIFY | GMEM_MOVEABLE));
    emit(named("%s fixed modify to moveable", f->name), GetLastError(), "%s", is_handle(q, p));
    ptr_is(named("%s fixed free", f->name), TRY(f->free(q ? q : p)), NULL);

    p = TRY(f->alloc(GMEM_FIXED | GMEM_ZEROINIT, 1000));
    for (i = 0; p && i < 1000; i++)
        nonzero += p[i] != 0;
    fact(named("%s zeroinit nonzero bytes", f->name), "%u", nonzero);
    f->free(p);
    p = TRY(f->alloc(GMEM_FIXED, 0));
    ptr_is(named("%s fixed alloc 0", f->name), p, NULL);
    num_is(named("%s fixed alloc 0 size", f->name), TRY(f->size(p)));
    f->free(p);
    ptr_is(named("%s fixed alloc ~0", f->name), TRY(f->alloc(GMEM_FIXED, ~(SIZE_T)0)), NULL);
    ptr_is(named("%s free NULL", f->name), TRY(f->free(NULL)), NULL);
}

static void moveable(const struct family *f)
{
    HGLOBAL h, h2;
    char *p, *p2;

    h = TRY(f->alloc(GMEM_MOVEABLE, 10));
    handle_is(named("%s moveable alloc", f->name), h);
    num_is(named("%s moveable size", f->name), TRY(f->size(h)));
    num_is(named("%s moveable flags", f->name), TRY(f->flags(h)));
    p = TRY(f->lock(h));
    emit(named("%s moveable lock", f->name), GetLastError(), "%s", !p ? "NULL" : (HGLOBAL)p == h ? "handle" : "pointer");
    num_is(named("%s moveable flags locked once", f->name), TRY(f->flags(h)));
    p2 = TRY(f->lock(h));
    ptr_is(named("%s moveable lock again", f->name), p2, p);
    num_is(named("%s moveable flags locked twice", f->name), TRY(f->flags(h)));
    h2 = TRY(f->handle(p));
    emit(named("%s moveable handle from pointer", f->name), GetLastError(), "%s", is_handle(h2, h));
    h2 = TRY(f->handle(h));
    emit(named("%s moveable handle from handle", f->name), GetLastError(), "%s", is_handle(h2, h));
    bool_is(named("%s moveable unlock 1", f->name), TRY(f->unlock(h)));
    bool_is(named("%s moveable unlock 2", f->name), TRY(f->unlock(h)));
    bool_is(named("%s moveable unlock 3", f->name), TRY(f->unlock(h)));
    num_is(named("%s moveable flags unlocked", f->name), TRY(f->flags(h)));
    h2 = TRY(f->realloc(h, 100000, GMEM_MOVEABLE));
    emit(named("%s moveable realloc grow", f->name), GetLastError(), "%s", is_handle(h2, h));
    num_is(named("%s moveable size after grow", f->name), TRY(f->size(h)));
    h2 = TRY(f->realloc(h, 0, GMEM_MODIFY | GMEM_DISCARDABLE));
    emit(named("%s moveable modify discardable", f->name), GetLastError(), "%s", is_handle(h2, h));
    num_is(named("%s moveable flags discardable", f->name), TRY(f->flags(h)));
    h2 = TRY(f->realloc(h, 0, GMEM_MOVEABLE));
    emit(named("%s moveable discard", f->name), GetLastError(), "%s", is_handle(h2, h));
    num_is(named("%s discarded flags", f->name), TRY(f->flags(h)) & ~GMEM_DISCARDABLE);
    num_is(named("%s discarded size", f->name), TRY(f->size(h)));
    ptr_is(named("%s discarded lock", f->name), TRY(f->lock(h)), NULL);
    h2 = TRY(f->realloc(h, 50, GMEM_MOVEABLE));
    emit(named("%s discarded realloc", f->name), GetLastError(), "%s", is_handle(h2, h));
    num_is(named("%s revived size", f->name), TRY(f->size(h)));
    ptr_is(named("%s moveable free", f->name), TRY(f->free(h)), NULL);

    h = TRY(f->alloc(GMEM_MOVEABLE, 0));
    handle_is(named("%s moveable alloc 0", f->name), h);
    num_is(named("%s moveable alloc 0 flags", f->name), TRY(f->flags(h)));
    num_is(named("%s moveable alloc 0 size", f->name), TRY(f->size(h)));
    ptr_is(named("%s moveable alloc 0 lock", f->name), TRY(f->lock(h)), NULL);
    ptr_is(named("%s moveable alloc 0 free", f->name), TRY(f->free(h)), NULL);
    h = TRY(f->alloc(GMEM_MOVEABLE | GMEM_ZEROINIT, 64));
    p = f->lock(h);
    yes_no(named("%s moveable zeroinit zero", f->name), p && p[0] == 0 && p[63] == 0);
    ptr_is(named("%s free locked", f->name), TRY(f->free(h)), NULL);
}

int main(void)
{
    unsigned i;

    for (i = 0; i < 2; i++) {
        heading(families[i].name);
        fixed(&families[i]);
        moveable(&families[i]);
    }
    return 0;
}
