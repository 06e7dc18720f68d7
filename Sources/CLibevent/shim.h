#ifndef QKIT_CLIBEVENT_SHIM_H
#define QKIT_CLIBEVENT_SHIM_H
// A glibc header must come before any event2/ header: event-config.h would otherwise
// define _GNU_SOURCE first and break modules that also import Glibc/Foundation.
#include <sys/types.h>
#include <sys/time.h>
#include <event2/event.h>
#include <event2/thread.h>
#endif
