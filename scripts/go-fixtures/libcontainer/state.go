// Package libcontainer mirrors runc's State (BaseState inlined first) as
// this library's schema holds it (src/State.ts).
package libcontainer

import (
	"time"

	"effect-libcontainer/scripts/go-fixtures/configs"
)

type BaseState struct {
	ID                   string         `json:"id"`
	InitProcessPid       int            `json:"init_process_pid"`
	InitProcessStartTime uint64         `json:"init_process_start"`
	Created              time.Time      `json:"created"`
	Config               configs.Config `json:"config"`
}

type State struct {
	BaseState
	Rootless            bool                             `json:"rootless"`
	CgroupPaths         map[string]string                `json:"cgroup_paths"`
	NamespacePaths      map[configs.NamespaceType]string `json:"namespace_paths"`
	ExternalDescriptors []string                         `json:"external_descriptors,omitempty"`
	IntelRdtPath        string                           `json:"intel_rdt_path"`
}
