package imagefile

import (
	"errors"
	"os"
	"syscall"
)

// NotRegular is the Reason for a path that is not a regular file (a FIFO,
// socket, device or folder): reading one could block forever or read
// endlessly, so it is refused before any read.
const NotRegular Reason = "not_regular"

// ReadFile reads the regular file at path (symbolic links followed) into
// buf's storage, growing it when needed, and returns the bytes. It opens
// without blocking and checks the file type before reading, so a FIFO
// listed by mistake is refused at once instead of hanging the caller. It
// calls open/fstat/read/close directly: os.File's poller registration
// costs system calls a small image does not need.
func ReadFile(path string, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, &Error{NotRegular, &os.PathError{Op: "open", Path: path, Err: errors.New("not a regular file")}}
	}
	if want := int(st.Size) + 1; cap(buf) < want {
		buf = make([]byte, 0, max(want, 64<<10))
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}
