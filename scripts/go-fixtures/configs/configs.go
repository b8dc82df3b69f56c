// Package configs mirrors libcontainer/configs as this library's schemas
// hold it (src/Config.ts): the same fields, JSON keys, `omitempty` flags
// and Go types, so encoding/json's answers for a document are runc's.
package configs

import (
	"encoding/json"
	"time"

	"effect-libcontainer/scripts/go-fixtures/devices"
	"effect-libcontainer/scripts/go-fixtures/specs"
	"effect-libcontainer/scripts/go-fixtures/unix"
)

type Command struct {
	Path    string         `json:"path"`
	Args    []string       `json:"args"`
	Env     []string       `json:"env"`
	Dir     string         `json:"dir"`
	Timeout *time.Duration `json:"timeout"`
}

type CommandHook struct {
	Command
}

type HookName string

type Hooks map[HookName][]CommandHook

// UnmarshalJSON reads hooks as runc's does: a fresh map, names without hooks dropped.
func (hooks *Hooks) UnmarshalJSON(b []byte) error {
	var state map[HookName][]CommandHook
	if err := json.Unmarshal(b, &state); err != nil {
		return err
	}
	*hooks = Hooks{}
	for name, list := range state {
		if len(list) == 0 {
			continue
		}
		(*hooks)[name] = append([]CommandHook{}, list...)
	}
	return nil
}

var hookNames = []HookName{"createContainer", "createRuntime", "poststart", "poststop", "prestart", "startContainer"}

// MarshalJSON writes the six known names in sorted order, null for none.
func (hooks *Hooks) MarshalJSON() ([]byte, error) {
	out := map[HookName][]CommandHook{}
	for _, name := range hookNames {
		out[name] = nil
		if list := (*hooks)[name]; len(list) > 0 {
			out[name] = list
		}
	}
	return json.Marshal(out)
}

type NamespaceType string

type Namespace struct {
	Type NamespaceType `json:"type"`
	Path string        `json:"path"`
}

type Namespaces []Namespace

type IDMap struct {
	ContainerID int `json:"container_id"`
	HostID      int `json:"host_id"`
	Size        int `json:"size"`
}

type Mount struct {
	Source           string          `json:"source"`
	Destination      string          `json:"destination"`
	Device           string          `json:"device"`
	Flags            int             `json:"flags"`
	ClearedFlags     int             `json:"cleared_flags"`
	PropagationFlags []int           `json:"propagation_flags"`
	Data             string          `json:"data"`
	Relabel          string          `json:"relabel"`
	RecAttr          *unix.MountAttr `json:"rec_attr"`
	Extensions       int             `json:"extensions"`
	UIDMappings      []IDMap         `json:"uid_mappings,omitempty"`
	GIDMappings      []IDMap         `json:"gid_mappings,omitempty"`
}

type blockIODevice struct {
	Major int64 `json:"major"`
	Minor int64 `json:"minor"`
}

type WeightDevice struct {
	blockIODevice
	Weight     uint16 `json:"weight"`
	LeafWeight uint16 `json:"leafWeight"`
}

type ThrottleDevice struct {
	blockIODevice
	Rate uint64 `json:"rate"`
}

type HugepageLimit struct {
	Pagesize string `json:"page_size"`
	Limit    uint64 `json:"limit"`
}

type IfPrioMap struct {
	Interface string `json:"interface"`
	Priority  int64  `json:"priority"`
}

type LinuxRdma struct {
	HcaHandles *uint32 `json:"hca_handles,omitempty"`
	HcaObjects *uint32 `json:"hca_objects,omitempty"`
}

type FreezerState string

type Resources struct {
	Devices                      []*devices.Rule      `json:"devices"`
	Memory                       int64                `json:"memory"`
	MemoryReservation            int64                `json:"memory_reservation"`
	MemorySwap                   int64                `json:"memory_swap"`
	CpuShares                    uint64               `json:"cpu_shares"`
	CpuQuota                     int64                `json:"cpu_quota"`
	CpuBurst                     *uint64              `json:"cpu_burst"`
	CpuPeriod                    uint64               `json:"cpu_period"`
	CpuRtRuntime                 int64                `json:"cpu_rt_quota"`
	CpuRtPeriod                  uint64               `json:"cpu_rt_period"`
	CpusetCpus                   string               `json:"cpuset_cpus"`
	CpusetMems                   string               `json:"cpuset_mems"`
	CPUIdle                      *int64               `json:"cpu_idle,omitempty"`
	PidsLimit                    int64                `json:"pids_limit"`
	BlkioWeight                  uint16               `json:"blkio_weight"`
	BlkioLeafWeight              uint16               `json:"blkio_leaf_weight"`
	BlkioWeightDevice            []*WeightDevice      `json:"blkio_weight_device"`
	BlkioThrottleReadBpsDevice   []*ThrottleDevice    `json:"blkio_throttle_read_bps_device"`
	BlkioThrottleWriteBpsDevice  []*ThrottleDevice    `json:"blkio_throttle_write_bps_device"`
	BlkioThrottleReadIOPSDevice  []*ThrottleDevice    `json:"blkio_throttle_read_iops_device"`
	BlkioThrottleWriteIOPSDevice []*ThrottleDevice    `json:"blkio_throttle_write_iops_device"`
	Freezer                      FreezerState         `json:"freezer"`
	HugetlbLimit                 []*HugepageLimit     `json:"hugetlb_limit"`
	OomKillDisable               bool                 `json:"oom_kill_disable"`
	MemorySwappiness             *uint64              `json:"memory_swappiness"`
	NetPrioIfpriomap             []*IfPrioMap         `json:"net_prio_ifpriomap"`
	NetClsClassid                uint32               `json:"net_cls_classid_u"`
	Rdma                         map[string]LinuxRdma `json:"rdma"`
	CpuWeight                    uint64               `json:"cpu_weight"`
	Unified                      map[string]string    `json:"unified"`
	MemoryCheckBeforeUpdate      bool                 `json:"memory_check_before_update"`
}

type Cgroup struct {
	Name        string `json:"name,omitempty"`
	Parent      string `json:"parent,omitempty"`
	Path        string `json:"path"`
	ScopePrefix string `json:"scope_prefix"`
	*Resources
	Systemd  bool
	Rootless bool
	OwnerUID *int `json:"owner_uid,omitempty"`
}

type Capabilities struct {
	Bounding    []string
	Effective   []string
	Inheritable []string
	Permitted   []string
	Ambient     []string
}

type Network struct {
	Type              string `json:"type"`
	Name              string `json:"name"`
	Bridge            string `json:"bridge"`
	MacAddress        string `json:"mac_address"`
	Address           string `json:"address"`
	Gateway           string `json:"gateway"`
	IPv6Address       string `json:"ipv6_address"`
	IPv6Gateway       string `json:"ipv6_gateway"`
	Mtu               int    `json:"mtu"`
	TxQueueLen        int    `json:"txqueuelen"`
	HostInterfaceName string `json:"host_interface_name"`
	HairpinMode       bool   `json:"hairpin_mode"`
}

type Route struct {
	Destination   string `json:"destination"`
	Source        string `json:"source"`
	Gateway       string `json:"gateway"`
	InterfaceName string `json:"interface_name"`
}

type Rlimit struct {
	Type int    `json:"type"`
	Hard uint64 `json:"hard"`
	Soft uint64 `json:"soft"`
}

type Action int

type Operator int

type Arg struct {
	Index    uint     `json:"index"`
	Value    uint64   `json:"value"`
	ValueTwo uint64   `json:"value_two"`
	Op       Operator `json:"op"`
}

type Syscall struct {
	Name     string `json:"name"`
	Action   Action `json:"action"`
	ErrnoRet *uint  `json:"errnoRet"`
	Args     []*Arg `json:"args"`
}

type Seccomp struct {
	DefaultAction    Action                   `json:"default_action"`
	Architectures    []string                 `json:"architectures"`
	Flags            []specs.LinuxSeccompFlag `json:"flags"`
	Syscalls         []*Syscall               `json:"syscalls"`
	DefaultErrnoRet  *uint                    `json:"default_errno_ret"`
	ListenerPath     string                   `json:"listener_path,omitempty"`
	ListenerMetadata string                   `json:"listener_metadata,omitempty"`
}

type IntelRdt struct {
	ClosID        string `json:"closID,omitempty"`
	L3CacheSchema string `json:"l3_cache_schema,omitempty"`
	MemBwSchema   string `json:"memBwSchema,omitempty"`
}

type LinuxPersonality struct {
	Domain int `json:"domain"`
}

type Config struct {
	NoPivotRoot       bool              `json:"no_pivot_root"`
	ParentDeathSignal int               `json:"parent_death_signal"`
	Rootfs            string            `json:"rootfs"`
	Umask             *uint32           `json:"umask"`
	Readonlyfs        bool              `json:"readonlyfs"`
	RootPropagation   int               `json:"rootPropagation"`
	Mounts            []*Mount          `json:"mounts"`
	Devices           []*devices.Device `json:"devices"`
	MountLabel        string            `json:"mount_label"`
	Hostname          string            `json:"hostname"`
	Domainname        string            `json:"domainname"`
	Namespaces        Namespaces        `json:"namespaces"`
	Capabilities      *Capabilities     `json:"capabilities"`
	Networks          []*Network        `json:"networks"`
	Routes            []*Route          `json:"routes"`
	Cgroups           *Cgroup           `json:"cgroups"`
	AppArmorProfile   string            `json:"apparmor_profile,omitempty"`
	ProcessLabel      string            `json:"process_label,omitempty"`
	Rlimits           []Rlimit          `json:"rlimits,omitempty"`
	OomScoreAdj       *int              `json:"oom_score_adj,omitempty"`
	UIDMappings       []IDMap           `json:"uid_mappings"`
	GIDMappings       []IDMap           `json:"gid_mappings"`
	MaskPaths         []string          `json:"mask_paths"`
	ReadonlyPaths     []string          `json:"readonly_paths"`
	Sysctl            map[string]string `json:"sysctl"`
	Seccomp           *Seccomp          `json:"seccomp"`
	NoNewPrivileges   bool              `json:"no_new_privileges,omitempty"`
	Hooks             Hooks
	Version           string                           `json:"version"`
	Labels            []string                         `json:"labels"`
	NoNewKeyring      bool                             `json:"no_new_keyring"`
	IntelRdt          *IntelRdt                        `json:"intel_rdt,omitempty"`
	RootlessEUID      bool                             `json:"rootless_euid,omitempty"`
	RootlessCgroups   bool                             `json:"rootless_cgroups,omitempty"`
	TimeOffsets       map[string]specs.LinuxTimeOffset `json:"time_offsets,omitempty"`
	Scheduler         *specs.Scheduler                 `json:"scheduler,omitempty"`
	Personality       *LinuxPersonality                `json:"personality,omitempty"`
}
