//go:build unix

package logger

import (
	"os"
	"syscall"
)

// inode returns the file's inode number, which survives the rename from
// live file to pending archive and so identifies a file across a crash.
func inode(f *os.File) uint64 {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	return fileInode(fi)
}

func fileInode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
