#ifndef QKIT_CFUZZDRIVER_SHIM_H
#define QKIT_CFUZZDRIVER_SHIM_H
// libFuzzer's driver, for a program that keeps its own main: parses libFuzzer's flags from
// argv and runs `callback` on each input. Declared here because libFuzzer ships no header.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const unsigned char *data, unsigned long size));
#endif
