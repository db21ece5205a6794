#define _GNU_SOURCE
#include "cshim.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
int cshim_mount_setattr(int dfd, const char *path, unsigned int flags, struct cshim_mount_attr *attr) { return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr)); }
long cshim_clone3(struct cshim_clone_args *args) { return syscall(SYS_clone3, args, sizeof(*args)); }
int cshim_pivot_root(const char *new_root, const char *put_old) { return (int)syscall(SYS_pivot_root, new_root, put_old); }
int cshim_setns(int fd, int nstype) { return setns(fd, nstype); }
int cshim_unshare(int flags) { return unshare(flags); }
int cshim_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }
int cshim_pidfd_send_signal(int pidfd, int sig) { return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0); }
int cshim_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) { return prctl(option, a2, a3, a4, a5); }
int cshim_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }
int cshim_dup3(int oldfd, int newfd, int flags) { return dup3(oldfd, newfd, flags); }
int cshim_close_range(unsigned int first, unsigned int last, unsigned int flags) { return (int)syscall(SYS_close_range, first, last, flags); }
int cshim_signalfd(int fd, const sigset_t *mask, int flags) { return signalfd(fd, mask, flags); }
int cshim_sethostname(const char *name, size_t len) { return sethostname(name, len); }
int cshim_setdomainname(const char *name, size_t len) { return setdomainname(name, len); }
int cshim_setgroups(size_t size, const gid_t *list) { return setgroups(size, list); }
int cshim_personality(unsigned long persona) { return personality(persona); }
int cshim_setresuid(uid_t r, uid_t e, uid_t s) { return setresuid(r, e, s); }
int cshim_setresgid(gid_t r, gid_t e, gid_t s) { return setresgid(r, e, s); }
int cshim_execve(const char *path, char *const argv[], char *const envp[]) { return execve(path, argv, envp); }
int cshim_execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) { return (int)syscall(SYS_execveat, dirfd, path, argv, envp, flags); }
int cshim_sigemptyset(sigset_t *set) { return sigemptyset(set); }
int cshim_sigaddset(sigset_t *set, int sig) { return sigaddset(set, sig); }
int cshim_sigprocmask(int how, const sigset_t *set, sigset_t *old) { return sigprocmask(how, set, old); }
int cshim_signal_default(int sig) { return signal(sig, SIG_DFL) == SIG_ERR ? -1 : 0; }
int cshim_ioctl_ptr(int fd, unsigned long request, void *arg) { return ioctl(fd, request, arg); }
int cshim_ioctl_int(int fd, unsigned long request, unsigned long arg) { return ioctl(fd, request, arg); }
int cshim_capset(uint32_t header[2], const uint32_t data[6]) { return (int)syscall(SYS_capset, header, data); }
int cshim_sched_setattr(pid_t pid, void *attr, unsigned int flags) { return (int)syscall(SYS_sched_setattr, pid, attr, flags); }
int cshim_ioprio_set(int which, int who, int ioprio) { return (int)syscall(SYS_ioprio_set, which, who, ioprio); }
int cshim_sched_getaffinity(pid_t pid, size_t size, void *mask) { return (int)syscall(SYS_sched_getaffinity, pid, size, mask); }
int cshim_sched_setaffinity(pid_t pid, size_t size, const void *mask) { return (int)syscall(SYS_sched_setaffinity, pid, size, mask); }
int cshim_bpf(int cmd, void *attr, unsigned int size) { return (int)syscall(SYS_bpf, cmd, attr, size); }
int cshim_seccomp_load(unsigned int flags, unsigned short len, const void *filter) {
    struct sock_fprog prog = { .len = len, .filter = (struct sock_filter *)filter };
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}
int cshim_statfs(const char *path, struct statfs *buf) { return statfs(path, buf); }
int cshim_memfd_create(const char *name, unsigned int flags) { return memfd_create(name, flags); }
int cshim_errno(void) { return errno; }
void cshim_set_errno(int value) { errno = value; }
ssize_t cshim_getxattr(const char *path, const char *name, void *value, size_t size) { return getxattr(path, name, value, size); }

// Safe mount targets and idmapped mounts (openat2 RESOLVE_IN_ROOT, the new mount API).
#include <sys/stat.h>
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
int cshim_openat2(int dirfd, const char *path, struct cshim_open_how *how) { return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how)); }
int cshim_open_tree(int dirfd, const char *path, unsigned int flags) { return (int)syscall(SYS_open_tree, dirfd, path, flags); }
int cshim_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned int flags) { return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags); }
int cshim_fsopen(const char *fstype, unsigned int flags) { return (int)syscall(SYS_fsopen, fstype, flags); }
int cshim_fsconfig(int fd, unsigned int cmd, const char *key, const char *value, int aux) { return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux); }
int cshim_fsmount(int fd, unsigned int flags, unsigned int attr_flags) { return (int)syscall(SYS_fsmount, fd, flags, attr_flags); }
int cshim_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev) { return mknodat(dirfd, path, mode, dev); }

// rsrun features: which seccomp filter flags this kernel knows.
int cshim_seccomp_flags_probe(unsigned int flags) { return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL); }
