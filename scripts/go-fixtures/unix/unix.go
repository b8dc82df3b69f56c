// Package unix mirrors golang.org/x/sys/unix's MountAttr, so errors name it
// `unix.MountAttr` as runc's do.
package unix

// MountAttr is the mount_setattr(2) attribute set.
type MountAttr struct {
	Attr_set    uint64
	Attr_clr    uint64
	Propagation uint64
	Userns_fd   uint64
}
