import Glibc
@testable import Core
import Rootless
import Testing

@Suite("Capability plans and process limits")
struct CapabilityPlanTests {
    static func caps(_ sets: [String: [String]]) -> Spec.Capabilities {
        var caps = Spec.Capabilities()
        caps.bounding = sets["bounding"]
        caps.effective = sets["effective"]
        caps.permitted = sets["permitted"]
        caps.inheritable = sets["inheritable"]
        caps.ambient = sets["ambient"]
        return caps
    }

    @Test("names become bits by their kernel numbers; an absent set inside the object is empty")
    func masks() throws {
        let (plan, notes) = try CapabilityPlan.compile(Self.caps(["bounding": ["CAP_CHOWN", "cap_kill", "CAP_CHECKPOINT_RESTORE"],
                                                                  "permitted": ["CAP_KILL"], "effective": ["CAP_KILL"]]), lastCap: 40)
        #expect(plan.bounding == 1 << 0 | 1 << 5 | 1 << 40)
        #expect(plan.effective == 1 << 5 && plan.permitted == 1 << 5)
        #expect(plan.inheritable == 0 && plan.ambient == 0)
        #expect(notes.isEmpty)
        #expect(CapabilityPlan.names.count == 41 && CapabilityPlan.names[21] == "CAP_SYS_ADMIN")
    }

    @Test("a name this kernel lacks is skipped with a note; an unknown name is an error naming the element")
    func unknownAndMissing() throws {
        let (plan, notes) = try CapabilityPlan.compile(Self.caps(["bounding": ["CAP_BPF", "CAP_KILL"]]), lastCap: 37)
        #expect(plan.bounding == 1 << 5)
        #expect(notes.count == 1 && notes[0].contains("CAP_BPF") && notes[0].contains("37"))
        #expect(throws: RuntimeError.self) { try CapabilityPlan.compile(Self.caps(["ambient": ["CAP_KILL", "CAP_FLY"]]), lastCap: 40) }
        do {
            _ = try CapabilityPlan.compile(Self.caps(["ambient": ["CAP_KILL", "CAP_FLY"]]), lastCap: 40)
        } catch let error as RuntimeError {
            #expect("\(error)".contains("process.capabilities.ambient[1]") && "\(error)".contains("CAP_FLY"))
        }
    }

    @Test("ambient needs permitted and inheritable (dropped with a note); effective needs permitted (an error)")
    func ambientAndEffective() throws {
        let (plan, notes) = try CapabilityPlan.compile(
            Self.caps(["permitted": ["CAP_KILL", "CAP_CHOWN"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL", "CAP_CHOWN"]]), lastCap: 40)
        #expect(plan.ambient == 1 << 5)
        #expect(notes.count == 1 && notes[0].contains("CAP_CHOWN"))
        #expect(throws: RuntimeError.self) {
            try CapabilityPlan.compile(Self.caps(["effective": ["CAP_KILL"], "permitted": []]), lastCap: 40)
        }
    }

    @Test("rootless: hard limits above ours, lower oom_score_adj, real-time policies and RT I/O are refused; root may")
    func hostOnly() throws {
        let user = Identity(kind: .unprivileged, uid: 1000, gid: 1000, sessionUID: 1000, rootless: true)
        let root = Identity(kind: .root, uid: 0, gid: 0, sessionUID: 0, rootless: false)
        let unlimited = [Spec.Rlimit(type: "RLIMIT_NOFILE", hard: .max, soft: 10)]
        var current = rlimit()
        _ = getrlimit(__rlimit_resource_t(7), &current)
        if UInt64(current.rlim_max) != .max {
            #expect(throws: RuntimeError.self) { try ProcessLimits.rlimits(unlimited, identity: user) }
        }
        #expect(try ProcessLimits.rlimits(unlimited, identity: root) == [RlimitStep(resource: 7, soft: 10, hard: .max, specPath: "process.rlimits[0]")])
        // The refusal is the kernel's (a floor /proc does not show): where the test runs with
        // CAP_SYS_RESOURCE, lowering works and the plan accepts it.
        if let own = OOMScoreFloor.current(), own > -1000 {
            let kernelAllows = OOMScoreFloor.mayLower(to: -1000, from: own)
            #expect(OOMScoreFloor.current() == own, "the probe must put our score back")
            if !kernelAllows {
                #expect(throws: RuntimeError.self) { try ProcessLimits.oomScoreAdj(-1000, identity: user) }
            }
        }
        #expect(try ProcessLimits.oomScoreAdj(-1000, identity: root) == -1000)
        #expect(try ProcessLimits.oomScoreAdj(1000, identity: user) == 1000)
        var fifo = Spec.Scheduler(policy: .fifo)
        fifo.priority = 10
        #expect(throws: RuntimeError.self) { try ProcessLimits.scheduler(fifo, identity: user) }
        #expect(try ProcessLimits.scheduler(fifo, identity: root)?.policy == 1)
        #expect(throws: RuntimeError.self) { try ProcessLimits.ioPriority(Spec.IOPriority(ioClass: .realtime, priority: 0), identity: user) }
        #expect(try ProcessLimits.ioPriority(Spec.IOPriority(ioClass: .idle, priority: 7), identity: user) == 3 << 13 | 7)
    }

    @Test("scheduler parameters: priority only for real-time policies, nice in range, deadline needs all three times")
    func schedulerChecks() throws {
        let root = Identity(kind: .root, uid: 0, gid: 0, sessionUID: 0, rootless: false)
        #expect(throws: RuntimeError.self) { try ProcessLimits.scheduler(Spec.Scheduler(policy: .fifo), identity: root) }
        var batch = Spec.Scheduler(policy: .batch)
        batch.priority = 3
        #expect(throws: RuntimeError.self) { try ProcessLimits.scheduler(batch, identity: root) }
        batch.priority = nil
        batch.nice = 25
        #expect(throws: RuntimeError.self) { try ProcessLimits.scheduler(batch, identity: root) }
        batch.nice = -3
        batch.flags = [.resetOnFork, .keepParams]
        #expect(try ProcessLimits.scheduler(batch, identity: root) == SchedulerPlan(policy: 3, flags: 0x11, nice: -3, priority: 0, runtime: 0, deadline: 0, period: 0))
        #expect(throws: RuntimeError.self) { try ProcessLimits.scheduler(Spec.Scheduler(policy: .deadline), identity: root) }
    }
}

@Suite("LSM labels against the host's LSMs")
struct LSMPlanTests {
    @Test("an AppArmor profile needs AppArmor; SELinux labels without SELinux are a note; labels go to tmpfs-like mounts")
    func labels() throws {
        var process = Spec.Process(user: Spec.User(uid: 0, gid: 0), args: ["true"], cwd: "/")
        process.apparmorProfile = "docker-default"
        if LSMPlan.appArmorEnabled() {
            #expect(try LSMPlan.compile(process, mountLabel: nil).0.apparmorProfile == "docker-default")
        } else {
            #expect(throws: RuntimeError.self) { try LSMPlan.compile(process, mountLabel: nil) }
        }
        process.apparmorProfile = ""
        process.selinuxLabel = "system_u:system_r:container_t:s0"
        let (plan, notes) = try LSMPlan.compile(process, mountLabel: "system_u:object_r:container_file_t:s0")
        if LSMPlan.seLinuxEnabled() {
            #expect(plan.selinuxLabel != nil && plan.mountLabel != nil && notes.isEmpty)
        } else {
            #expect(plan == LSMPlan() && notes.count == 1)
        }
    }
}
