#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "CQKitDispatch.h"

int cqkit_is_initial_thread(void) {
    return syscall(SYS_gettid) == getpid();
}
