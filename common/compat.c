/*
 * compat.c - the few calls that are not the same on every system.  See
 * compat.h.
 *
 * Each function uses the system's own call where there is one and a plain
 * POSIX way elsewhere.  Building with -DCOMPAT_FALLBACK uses the POSIX way
 * on every system, so the fallbacks are built and tested on Linux too
 * (make portable).
 */
/* This file alone asks for more than POSIX, whatever the command line
 * says: glibc and musl hide prctl's friends and CPU sets without
 * _GNU_SOURCE, macOS hides arc4random_buf() without _DARWIN_C_SOURCE. */
#undef _POSIX_C_SOURCE
#define _GNU_SOURCE
#define _DARWIN_C_SOURCE
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if !defined(COMPAT_FALLBACK)
#if defined(__linux__)
#define HAVE_GETRANDOM 1
#define HAVE_PRCTL 1
#define HAVE_AFFINITY 1
#include <sched.h>
#include <sys/prctl.h>
#include <sys/random.h>
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
	defined(__NetBSD__) || defined(__DragonFly__)
#define HAVE_ARC4RANDOM 1
#endif
#if defined(__FreeBSD__)
#define HAVE_PROCCTL 1
#include <sys/procctl.h>
#endif
#if defined(_POSIX_CLOCK_SELECTION) && _POSIX_CLOCK_SELECTION > 0
#define HAVE_CLOCK_NANOSLEEP 1
#endif
#endif

/* ---- Bytes ---------------------------------------------------------------- */

void *find_bytes(const void *haystack, size_t len, const void *needle,
		 size_t needle_len)
{
	const char *p = haystack;

	if (needle_len == 0)
		return (void *)p;
	for (; len >= needle_len; p++, len--)
		if (memcmp(p, needle, needle_len) == 0)
			return (void *)p;
	return NULL;
}

/* ---- Random bytes -------------------------------------------------------- */

static int urandom_bytes(void *buf, size_t len)
{
	char *p = buf;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = n < 0 ? errno : EIO;
			close(fd);
			errno = saved;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return 0;
}

int random_bytes(void *buf, size_t len)
{
#if defined(HAVE_GETRANDOM)
	/* An old kernel or a sandbox may refuse getrandom(): then the file. */
	if (getrandom(buf, len, 0) == (ssize_t)len)
		return 0;
#elif defined(HAVE_ARC4RANDOM)
	arc4random_buf(buf, len); /* cannot fail */
	return 0;
#endif
	return urandom_bytes(buf, len);
}

/* ---- Ending with the parent ---------------------------------------------- */

#if !defined(HAVE_PRCTL) && !defined(HAVE_PROCCTL)
static pid_t watched_parent;
static int parent_gone_signal;

/* A child's parent becomes another process (init, or a subreaper) when it
 * ends: that is what this thread waits for. */
static void *watch_parent(void *unused)
{
	(void)unused;
	while (getppid() == watched_parent)
		sleep(1);
	kill(getpid(), parent_gone_signal);
	return NULL;
}
#endif

int die_with_parent(int signo)
{
#if defined(HAVE_PRCTL)
	return prctl(PR_SET_PDEATHSIG, signo);
#elif defined(HAVE_PROCCTL)
	return procctl(P_PID, 0, PROC_PDEATHSIG_CTL, &signo);
#else
	pthread_t watcher;

	watched_parent = getppid();
	parent_gone_signal = signo;
	errno = pthread_create(&watcher, NULL, watch_parent, NULL);
	if (errno == 0)
		errno = pthread_detach(watcher);
	return errno == 0 ? 0 : -1;
#endif
}

/* ---- Sockets ------------------------------------------------------------- */

int nonblocking_socket(int domain, int type, int protocol)
{
	int fd = socket(domain, type, protocol);

	if (fd < 0)
		return -1;
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int no_sigpipe(int fd)
{
#if defined(SO_NOSIGPIPE)
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#else
	(void)fd; /* MSG_NOSIGNAL does it on every send() */
	return 0;
#endif
}

/* ---- Time ---------------------------------------------------------------- */

int sleep_us(long us)
{
	struct timespec t = { .tv_sec = us / 1000000,
			      .tv_nsec = us % 1000000 * 1000 };

	return nanosleep(&t, NULL);
}

int monotonic_sleep_until(const struct timespec *when)
{
#if defined(HAVE_CLOCK_NANOSLEEP)
	return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, when, NULL);
#else
	struct timespec now, left;

	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return errno;
	left.tv_sec = when->tv_sec - now.tv_sec;
	left.tv_nsec = when->tv_nsec - now.tv_nsec;
	if (left.tv_nsec < 0) {
		left.tv_sec--;
		left.tv_nsec += 1000000000L;
	}
	if (left.tv_sec < 0)
		return 0; /* already past */
	return nanosleep(&left, NULL) < 0 ? errno : 0;
#endif
}

/* ---- CPUs ---------------------------------------------------------------- */

#if defined(HAVE_AFFINITY)
static cpu_set_t cpus_at_start;
static pthread_once_t cpus_remembered = PTHREAD_ONCE_INIT;

static void remember_cpus(void)
{
	if (sched_getaffinity(0, sizeof cpus_at_start, &cpus_at_start) < 0)
		CPU_ZERO(&cpus_at_start); /* run_thread_on() will say EINVAL */
}
#endif

int run_thread_on(pthread_t thread, enum cpu_choice which)
{
#if defined(HAVE_AFFINITY)
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	pthread_once(&cpus_remembered, remember_cpus);
	if (which == CPUS_AT_START) {
		set = cpus_at_start;
	} else {
		CPU_ZERO(&set);
		for (long cpu = 0; cpu < (online > 0 ? online : 1); cpu++)
			if ((cpu == 0) == (which == CPUS_FIRST) || online < 2)
				CPU_SET((int)cpu, &set);
	}
	errno = pthread_setaffinity_np(thread, sizeof set, &set);
	return errno == 0 ? 0 : -1;
#else
	(void)thread;
	(void)which;
	errno = ENOTSUP;
	return -1;
#endif
}
