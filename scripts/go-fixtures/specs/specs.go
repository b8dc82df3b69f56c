// Package specs mirrors the runtime-spec types runc's configs embed, so
// errors name them as runc's do (`specs.LinuxSeccompFlag`, …).
package specs

// LinuxSeccompFlag is a seccomp filter flag.
type LinuxSeccompFlag string

// LinuxTimeOffset is a time namespace offset.
type LinuxTimeOffset struct {
	Secs     int64  `json:"secs,omitempty"`
	Nanosecs uint32 `json:"nanosecs,omitempty"`
}

// LinuxSchedulerPolicy is a scheduling policy name.
type LinuxSchedulerPolicy string

// LinuxSchedulerFlag is a scheduling flag name.
type LinuxSchedulerFlag string

// Scheduler holds sched_setattr(2) parameters.
type Scheduler struct {
	Policy   LinuxSchedulerPolicy `json:"policy"`
	Nice     int32                `json:"nice,omitempty"`
	Priority int32                `json:"priority,omitempty"`
	Flags    []LinuxSchedulerFlag `json:"flags,omitempty"`
	Runtime  uint64               `json:"runtime,omitempty"`
	Deadline uint64               `json:"deadline,omitempty"`
	Period   uint64               `json:"period,omitempty"`
}
