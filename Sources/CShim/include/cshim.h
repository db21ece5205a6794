// The C shim: one thin wrapper per call Swift cannot make itself (variadic syscall/prctl,
// clone3, functions Glibc's module hides without _GNU_SOURCE, and macros). No logic here.
#ifndef RSRUN_CSHIM_H
#define RSRUN_CSHIM_H

#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include <sys/vfs.h>
#include <seccomp.h>

// struct clone_args (linux/sched.h), spelled out so no kernel header is needed.
struct cshim_clone_args {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

// struct mount_attr (linux/mount.h) for mount_setattr(2).
struct cshim_mount_attr {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};
int cshim_mount_setattr(int dfd, const char *path, unsigned int flags, struct cshim_mount_attr *attr);
// getxattr(2): Glibc does not export <sys/xattr.h> to Swift.
ssize_t cshim_getxattr(const char *path, const char *name, void *value, size_t size);
#define CSHIM_AT_RECURSIVE 0x8000

// clone3 without CLONE_VM: returns 0 in the child, the pid in the parent, -1 with errno.
long cshim_clone3(struct cshim_clone_args *args);

int cshim_pivot_root(const char *new_root, const char *put_old);
int cshim_setns(int fd, int nstype);
int cshim_unshare(int flags);
int cshim_pidfd_open(pid_t pid, unsigned int flags);
int cshim_pidfd_send_signal(int pidfd, int sig);
int cshim_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);
int cshim_pipe2(int fds[2], int flags);
int cshim_dup3(int oldfd, int newfd, int flags);
int cshim_close_range(unsigned int first, unsigned int last, unsigned int flags);
int cshim_signalfd(int fd, const sigset_t *mask, int flags);
int cshim_sethostname(const char *name, size_t len);
int cshim_setdomainname(const char *name, size_t len);
int cshim_setgroups(size_t size, const gid_t *list);
int cshim_personality(unsigned long persona);
int cshim_setresuid(uid_t r, uid_t e, uid_t s);
int cshim_setresgid(gid_t r, gid_t e, gid_t s);
int cshim_execve(const char *path, char *const argv[], char *const envp[]);
int cshim_execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags);
// sigset_t helpers are macros or hidden in some libcs.
int cshim_sigemptyset(sigset_t *set);
int cshim_sigaddset(sigset_t *set, int sig);
int cshim_sigprocmask(int how, const sigset_t *set, sigset_t *old);
// Reset a signal to its default disposition.
int cshim_signal_default(int sig);
int cshim_ioctl_ptr(int fd, unsigned long request, void *arg);
int cshim_ioctl_int(int fd, unsigned long request, unsigned long arg);
// capset(2) with a _LINUX_CAPABILITY_VERSION_3 header: data holds 2 x {effective, permitted, inheritable}.
int cshim_capset(uint32_t header[2], const uint32_t data[6]);
int cshim_sched_setattr(pid_t pid, void *attr, unsigned int flags);
int cshim_ioprio_set(int which, int who, int ioprio);
// The raw syscalls: sizes in bytes, any length (glibc's cpu_set_t stops at 1024 CPUs).
int cshim_sched_getaffinity(pid_t pid, size_t size, void *mask);
int cshim_sched_setaffinity(pid_t pid, size_t size, const void *mask);
// bpf(2). The two union bpf_attr layouts rsrun uses (linux/bpf.h), spelled out so no kernel
// header is needed; the kernel zero-fills the fields past the size it is given.
struct cshim_bpf_prog_load {
    uint32_t prog_type;
    uint32_t insn_cnt;
    uint64_t insns;
    uint64_t license;
    uint32_t log_level;
    uint32_t log_size;
    uint64_t log_buf;
    uint32_t kern_version;
    uint32_t prog_flags;
    char prog_name[16];
    uint32_t prog_ifindex;
    uint32_t expected_attach_type;
};
struct cshim_bpf_prog_attach {
    uint32_t target_fd;
    uint32_t attach_bpf_fd;
    uint32_t attach_type;
    uint32_t attach_flags;
    uint32_t replace_bpf_fd;
};
int cshim_bpf(int cmd, void *attr, unsigned int size);
// seccomp(2): SECCOMP_SET_MODE_FILTER with a struct sock_fprog built from `len` instructions.
int cshim_seccomp_load(unsigned int flags, unsigned short len, const void *filter);
int cshim_statfs(const char *path, struct statfs *buf);
int cshim_memfd_create(const char *name, unsigned int flags);
int cshim_errno(void);
void cshim_set_errno(int value);

// Safe mount targets: paths opened inside the rootfs (openat2 RESOLVE_IN_ROOT) and mounts
// attached by fd (the new mount API), so no path string is resolved against the host.
struct cshim_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};
int cshim_openat2(int dirfd, const char *path, struct cshim_open_how *how);
int cshim_open_tree(int dirfd, const char *path, unsigned int flags);
int cshim_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned int flags);
int cshim_fsopen(const char *fstype, unsigned int flags);
int cshim_fsconfig(int fd, unsigned int cmd, const char *key, const char *value, int aux);
int cshim_fsmount(int fd, unsigned int flags, unsigned int attr_flags);
int cshim_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev);
#define CSHIM_RESOLVE_NO_XDEV 0x01ULL
#define CSHIM_RESOLVE_NO_MAGICLINKS 0x02ULL
#define CSHIM_RESOLVE_NO_SYMLINKS 0x04ULL
#define CSHIM_RESOLVE_BENEATH 0x08ULL
#define CSHIM_RESOLVE_IN_ROOT 0x10ULL
#define CSHIM_OPEN_TREE_CLONE 1U
#define CSHIM_OPEN_TREE_CLOEXEC 02000000U
#define CSHIM_MOVE_MOUNT_F_EMPTY_PATH 0x04U
#define CSHIM_MOVE_MOUNT_T_EMPTY_PATH 0x40U
#define CSHIM_FSOPEN_CLOEXEC 0x01U
#define CSHIM_FSCONFIG_SET_FLAG 0U
#define CSHIM_FSCONFIG_SET_STRING 1U
#define CSHIM_FSCONFIG_CMD_CREATE 6U
#define CSHIM_FSMOUNT_CLOEXEC 0x01U
#define CSHIM_PROC_SUPER_MAGIC 0x9fa0

// rsrun features: which seccomp filter flags this kernel knows.
// seccomp(2) SECCOMP_SET_MODE_FILTER with a NULL program: EFAULT when the kernel accepts
// `flags`, EINVAL when it does not. Nothing is installed either way.
int cshim_seccomp_flags_probe(unsigned int flags);

// Constants Swift cannot see (macros from kernel headers).
#define CSHIM_CLONE_PIDFD     0x00001000ULL
#define CSHIM_CLONE_NEWTIME   0x00000080ULL
#define CSHIM_CLONE_NEWCGROUP 0x02000000ULL
#define CSHIM_CLONE_NEWUTS    0x04000000ULL
#define CSHIM_CLONE_NEWIPC    0x08000000ULL
#define CSHIM_CLONE_NEWUSER   0x10000000ULL
#define CSHIM_CLONE_NEWPID    0x20000000ULL
#define CSHIM_CLONE_NEWNET    0x40000000ULL
#define CSHIM_CLONE_NEWNS     0x00020000ULL
#define CSHIM_PR_SET_PDEATHSIG 1
#define CSHIM_PR_SET_DUMPABLE 4
#define CSHIM_O_PATH 010000000
#define CSHIM_TIOCSPTLCK 0x40045431UL
#define CSHIM_TIOCGPTN 0x80045430UL
#define CSHIM_TIOCGPTPEER 0x5441UL
#define CSHIM_TIOCSCTTY 0x540EUL
#define CSHIM_TIOCGWINSZ 0x5413UL
#define CSHIM_TIOCSWINSZ 0x5414UL
#define CSHIM_CLONE_PARENT 0x00008000ULL
#define CSHIM_CLONE_INTO_CGROUP 0x200000000ULL
#define CSHIM_PR_SET_NAME 15
#define CSHIM_PR_SET_KEEPCAPS 8
#define CSHIM_PR_CAPBSET_DROP 24
#define CSHIM_PR_CAP_AMBIENT 47
#define CSHIM_PR_CAP_AMBIENT_RAISE 2
#define CSHIM_PR_CAP_AMBIENT_CLEAR_ALL 4
#define CSHIM_SCHED_IDLE 5
#define CSHIM_PR_SET_NO_NEW_PRIVS 38
#define CSHIM_AT_EMPTY_PATH 0x1000
#define CSHIM_MFD_CLOEXEC 0x0001U
#define CSHIM_MFD_ALLOW_SEALING 0x0002U
#define CSHIM_MFD_EXEC 0x0010U
#define CSHIM_F_ADD_SEALS 1033
#define CSHIM_F_SEAL_SEAL 0x0001
#define CSHIM_F_SEAL_SHRINK 0x0002
#define CSHIM_F_SEAL_GROW 0x0004
#define CSHIM_F_SEAL_WRITE 0x0008

#endif
