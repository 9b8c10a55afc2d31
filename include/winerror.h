/*
 * winerror.h - Win32 error codes (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.  The values
 * are the Windows ones.  They are written without the SDK's "L" suffix:
 * a Windows "long" is 32 bits, which on LP64 is "int", so plain constants
 * keep the Windows type and width (they compare and print like a DWORD).
 */
#ifndef _WINERROR_
#define _WINERROR_

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _HRESULT_DEFINED
#define _HRESULT_DEFINED
typedef int HRESULT;    /* LONG */
#endif

/* ---------------------------------------------------------------------- */
/* Win32 error codes (GetLastError)                                        */
/* ---------------------------------------------------------------------- */

#define ERROR_SUCCESS                    0
#define NO_ERROR                         0
#define ERROR_INVALID_FUNCTION           1
#define ERROR_FILE_NOT_FOUND             2
#define ERROR_PATH_NOT_FOUND             3
#define ERROR_TOO_MANY_OPEN_FILES        4
#define ERROR_ACCESS_DENIED              5
#define ERROR_INVALID_HANDLE             6
#define ERROR_ARENA_TRASHED              7
#define ERROR_NOT_ENOUGH_MEMORY          8
#define ERROR_INVALID_BLOCK              9
#define ERROR_BAD_ENVIRONMENT            10
#define ERROR_BAD_FORMAT                 11
#define ERROR_INVALID_ACCESS             12
#define ERROR_INVALID_DATA               13
#define ERROR_OUTOFMEMORY                14
#define ERROR_INVALID_DRIVE              15
#define ERROR_CURRENT_DIRECTORY          16
#define ERROR_NOT_SAME_DEVICE            17
#define ERROR_NO_MORE_FILES              18
#define ERROR_WRITE_PROTECT              19
#define ERROR_BAD_UNIT                   20
#define ERROR_NOT_READY                  21
#define ERROR_BAD_COMMAND                22
#define ERROR_CRC                        23
#define ERROR_BAD_LENGTH                 24
#define ERROR_SEEK                       25
#define ERROR_NOT_DOS_DISK               26
#define ERROR_SECTOR_NOT_FOUND           27
#define ERROR_OUT_OF_PAPER               28
#define ERROR_WRITE_FAULT                29
#define ERROR_READ_FAULT                 30
#define ERROR_GEN_FAILURE                31
#define ERROR_SHARING_VIOLATION          32
#define ERROR_LOCK_VIOLATION             33
#define ERROR_WRONG_DISK                 34
#define ERROR_SHARING_BUFFER_EXCEEDED    36
#define ERROR_HANDLE_EOF                 38
#define ERROR_HANDLE_DISK_FULL           39
#define ERROR_NOT_SUPPORTED              50
#define ERROR_BAD_NETPATH                53
#define ERROR_FILE_EXISTS                80
#define ERROR_CANNOT_MAKE                82
#define ERROR_INVALID_PARAMETER          87
#define ERROR_BROKEN_PIPE                109
#define ERROR_OPEN_FAILED                110
#define ERROR_BUFFER_OVERFLOW            111
#define ERROR_DISK_FULL                  112
#define ERROR_INVALID_TARGET_HANDLE      114
#define ERROR_CALL_NOT_IMPLEMENTED       120
#define ERROR_SEM_TIMEOUT                121
#define ERROR_INSUFFICIENT_BUFFER        122
#define ERROR_INVALID_NAME               123
#define ERROR_INVALID_LEVEL              124
#define ERROR_MOD_NOT_FOUND              126
#define ERROR_PROC_NOT_FOUND             127
#define ERROR_WAIT_NO_CHILDREN           128
#define ERROR_NEGATIVE_SEEK              131
#define ERROR_SEEK_ON_DEVICE             132
#define ERROR_DIR_NOT_EMPTY              145
#define ERROR_DISCARDED                  157
#define ERROR_NOT_LOCKED                 158
#define ERROR_BAD_ARGUMENTS              160
#define ERROR_BAD_PATHNAME               161
#define ERROR_LOCK_FAILED                167
#define ERROR_BUSY                       170
#define ERROR_ALREADY_EXISTS             183
#define ERROR_INVALID_EXE_SIGNATURE      191
#define ERROR_BAD_EXE_FORMAT             193
#define ERROR_ENVVAR_NOT_FOUND           203
#define ERROR_FILENAME_EXCED_RANGE       206
#define ERROR_BAD_FILE_TYPE              222
#define ERROR_FILE_TOO_LARGE             223
#define ERROR_PIPE_BUSY                  231
#define ERROR_NO_DATA                    232
#define ERROR_PIPE_NOT_CONNECTED         233
#define ERROR_MORE_DATA                  234
#define ERROR_NO_MORE_ITEMS              259
#define ERROR_DIRECTORY                  267
#define ERROR_NOT_OWNER                  288
#define ERROR_TOO_MANY_POSTS             298
#define ERROR_PARTIAL_COPY               299
#define ERROR_INVALID_ADDRESS            487
#define ERROR_ARITHMETIC_OVERFLOW        534
#define ERROR_COMMITMENT_MINIMUM         635
#define ERROR_OPERATION_ABORTED          995
#define ERROR_IO_INCOMPLETE              996
#define ERROR_IO_PENDING                 997
#define ERROR_NOACCESS                   998
#define ERROR_SWAPERROR                  999
#define ERROR_STACK_OVERFLOW             1001
#define ERROR_INVALID_MESSAGE            1002
#define ERROR_CAN_NOT_COMPLETE           1003
#define ERROR_INVALID_FLAGS              1004
#define ERROR_UNRECOGNIZED_VOLUME        1005
#define ERROR_FILE_INVALID               1006
#define ERROR_NO_TOKEN                   1008
#define ERROR_DLL_INIT_FAILED            1114
#define ERROR_POSSIBLE_DEADLOCK          1131
#define ERROR_MAPPED_ALIGNMENT           1132
#define ERROR_NOT_FOUND                  1168
#define ERROR_CANCELLED                  1223
#define ERROR_USER_MAPPED_FILE           1224
#define ERROR_ALREADY_INITIALIZED        1247
#define ERROR_PRIVILEGE_NOT_HELD         1314
#define ERROR_INVALID_INDEX              1413
#define ERROR_NO_SYSTEM_RESOURCES        1450
#define ERROR_NONPAGED_SYSTEM_RESOURCES  1451
#define ERROR_PAGED_SYSTEM_RESOURCES     1452
#define ERROR_WORKING_SET_QUOTA          1453
#define ERROR_PAGEFILE_QUOTA             1454
#define ERROR_COMMITMENT_LIMIT           1455
#define ERROR_TIMEOUT                    1460
#define ERROR_INVALID_USER_BUFFER        1784
#define ERROR_NOT_ENOUGH_QUOTA           1816
#define ERROR_INVALID_OPERATION          4317

/* Wait result that winerror.h defines (also returned by WaitFor* APIs). */
#define WAIT_TIMEOUT                     258

/* ---------------------------------------------------------------------- */
/* HRESULT                                                                 */
/* ---------------------------------------------------------------------- */

#define SEVERITY_SUCCESS    0
#define SEVERITY_ERROR      1

#define FACILITY_NULL       0
#define FACILITY_RPC        1
#define FACILITY_DISPATCH   2
#define FACILITY_STORAGE    3
#define FACILITY_ITF        4
#define FACILITY_WIN32      7
#define FACILITY_WINDOWS    8

#define SUCCEEDED(hr)        (((HRESULT)(hr)) >= 0)
#define FAILED(hr)           (((HRESULT)(hr)) < 0)
#define IS_ERROR(Status)     (((unsigned int)(Status)) >> 31 == SEVERITY_ERROR)
#define HRESULT_CODE(hr)     ((hr) & 0xFFFF)
#define SCODE_CODE(sc)       ((sc) & 0xFFFF)
#define HRESULT_FACILITY(hr) (((hr) >> 16) & 0x1fff)
#define SCODE_FACILITY(sc)   (((sc) >> 16) & 0x1fff)
#define HRESULT_SEVERITY(hr) (((hr) >> 31) & 0x1)
#define SCODE_SEVERITY(sc)   (((sc) >> 31) & 0x1)
#define MAKE_HRESULT(sev, fac, code) \
    ((HRESULT)(((unsigned int)(sev) << 31) | ((unsigned int)(fac) << 16) | \
               ((unsigned int)(code))))
#define __HRESULT_FROM_WIN32(x) \
    ((HRESULT)(x) <= 0 ? ((HRESULT)(x)) \
     : ((HRESULT)(((x) & 0x0000FFFF) | (FACILITY_WIN32 << 16) | 0x80000000)))
#define HRESULT_FROM_WIN32(x) __HRESULT_FROM_WIN32(x)

#define _HRESULT_TYPEDEF_(sc) ((HRESULT)sc)

#define S_OK             ((HRESULT)0)
#define S_FALSE          ((HRESULT)1)
#define E_NOTIMPL        _HRESULT_TYPEDEF_(0x80004001)
#define E_NOINTERFACE    _HRESULT_TYPEDEF_(0x80004002)
#define E_POINTER        _HRESULT_TYPEDEF_(0x80004003)
#define E_ABORT          _HRESULT_TYPEDEF_(0x80004004)
#define E_FAIL           _HRESULT_TYPEDEF_(0x80004005)
#define E_UNEXPECTED     _HRESULT_TYPEDEF_(0x8000FFFF)
#define E_ACCESSDENIED   _HRESULT_TYPEDEF_(0x80070005)
#define E_HANDLE         _HRESULT_TYPEDEF_(0x80070006)
#define E_OUTOFMEMORY    _HRESULT_TYPEDEF_(0x8007000E)
#define E_INVALIDARG     _HRESULT_TYPEDEF_(0x80070057)

#ifdef __cplusplus
}
#endif

#endif /* _WINERROR_ */
