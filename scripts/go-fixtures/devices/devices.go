// Package devices mirrors libcontainer/devices' Rule and Device.
package devices

import "os"

// Type is a device type as a rune ('a', 'b', 'c', 'p').
type Type rune

// Permissions is a subset of "rwm".
type Permissions string

// Rule is a cgroup device rule.
type Rule struct {
	Type        Type        `json:"type"`
	Major       int64       `json:"major"`
	Minor       int64       `json:"minor"`
	Permissions Permissions `json:"permissions"`
	Allow       bool        `json:"allow"`
}

// Device is a device node to create: the rule, then the node.
type Device struct {
	Rule
	Path     string      `json:"path"`
	FileMode os.FileMode `json:"file_mode"`
	Uid      uint32      `json:"uid"`
	Gid      uint32      `json:"gid"`
}
