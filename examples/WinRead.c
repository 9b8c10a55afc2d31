/* WinRead: the reading side of lesson 10's inter-process communication.
 * Open WinMap's mapping by name, map a view, print the message, unmap and
 * close.  Plain Win32 C; it builds unchanged with a Windows compiler. */
#include <windows.h>
#include <stdio.h>

int main(void)
{
    /* 打开映射 (open the mapping by name) */
    HANDLE hMap = OpenFileMapping(FILE_MAP_ALL_ACCESS, FALSE, TEXT("WinMap"));
    if (hMap == NULL) {
        printf("OpenFileMapping failed: %lu (is WinMap running?)\n", (unsigned long)GetLastError());
        return 1;
    }

    /* 加载映射 (map a view) */
    char *pszText = (char *)MapViewOfFile(hMap, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (pszText == NULL) {
        printf("MapViewOfFile failed: %lu\n", (unsigned long)GetLastError());
        CloseHandle(hMap);
        return 1;
    }

    /* 读取映射 (read the mapping) */
    printf("WinRead read \"%s\" at %p\n", pszText, (void *)pszText);

    /* 卸载映射, 关闭映射 (unmap, close the mapping) */
    UnmapViewOfFile(pszText);
    CloseHandle(hMap);
    return 0;
}
