/*
 * compat.h - the few calls that are not the same on every system.
 *
 * The workshop's code is plain POSIX, so it builds on Linux, macOS and the
 * BSDs alike.  A handful of things it wants have no POSIX spelling; each
 * one is here, once, with what it does where it is missing.  compat.c is
 * the only source file that asks the C library for more than POSIX.
 * net.h includes this file, so every program has it.
 */
#ifndef COMPAT_H
#define COMPAT_H

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/* send(..., MSG_NOSIGNAL): a peer that has gone makes send() fail with
 * EPIPE instead of raising SIGPIPE.  macOS lacks the flag (its sockets get
 * SO_NOSIGPIPE from no_sigpipe() instead), and every server ignores
 * SIGPIPE anyway (stop_on_signals), so 0 there is safe. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* M_PI is XSI, not plain POSIX C: where math.h lacks it, here it is. */
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Sleep for `us` microseconds, a second or more too: usleep() has left
 * POSIX (and may refuse a second or more), nanosleep() is what replaced
 * it.  0, or -1 with errno set (EINTR: a signal came first). */
int sleep_us(long us);

/* The first `needle_len` bytes at `needle` inside the `len` bytes at
 * `haystack`, or NULL: memmem(), which POSIX.1-2008 lacks. */
void *find_bytes(const void *haystack, size_t len, const void *needle,
		 size_t needle_len);

/* Fill buf with len unpredictable bytes: getrandom() on Linux,
 * arc4random_buf() on macOS and the BSDs, /dev/urandom elsewhere (and
 * where getrandom() is refused).  0, or -1 with errno set. */
int random_bytes(void *buf, size_t len);

/* Ask to be sent signo when the parent process ends, so a stopped server
 * leaves no child behind.  Linux: prctl(PR_SET_PDEATHSIG); FreeBSD:
 * procctl(PROC_PDEATHSIG_CTL); elsewhere a small thread checks getppid()
 * once a second (it does not survive exec()).  Call it in the child right
 * after fork(), then check that getppid() is still the parent: the parent
 * may have ended before the call.  0, or -1 with errno set. */
int die_with_parent(int signo);

/* socket() that is already non-blocking.  Linux and the BSDs take
 * SOCK_NONBLOCK in socket()'s type, macOS does not: fcntl() works
 * everywhere.  The socket, or -1 with errno set. */
int nonblocking_socket(int domain, int type, int protocol);

/* On macOS, make writes to a vanished peer return EPIPE rather than raise
 * SIGPIPE (SO_NOSIGPIPE; MSG_NOSIGNAL does that elsewhere).  0, or -1. */
int no_sigpipe(int fd);

/* Sleep until CLOCK_MONOTONIC reads *when: clock_nanosleep(TIMER_ABSTIME),
 * or nanosleep() for what is left where that is missing (macOS).  Returns
 * 0, or an error number such as EINTR, as clock_nanosleep() does. */
int monotonic_sleep_until(const struct timespec *when);

/* Which CPUs a thread of the benchmark may run on. */
enum cpu_choice {
	CPUS_FIRST,   /* CPU 0 alone */
	CPUS_OTHERS,  /* every CPU but 0 (all of them if there is only one) */
	CPUS_AT_START /* those the process could use when it started */
};

/* Pin `thread` (and what it starts from then on) to `which`.  Linux only
 * (pthread_setaffinity_np); elsewhere nothing is pinned and it returns -1
 * with errno ENOTSUP. */
int run_thread_on(pthread_t thread, enum cpu_choice which);

#endif
