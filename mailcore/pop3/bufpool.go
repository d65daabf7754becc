package pop3

// bufPool recycles message buffers within one check: the packer is done
// with a message's source once the pack holding it is synced, and the
// reader takes the buffer for a later message. Without it a download
// allocated (and the runtime zeroed and later collected) as many bytes as
// it retrieved.
//
// Buffers come in power-of-two size classes so that one of a class fits
// any message of that class; larger messages get a buffer of their own.
// sync.Pool is not used because its buffers may be dropped at every
// collection, which during a download happens every few megabytes.
type bufPool struct {
	classes [bufClasses]chan []byte
}

const (
	bufMinShift  = 14 // smallest class: 16 KB
	bufClasses   = 5  // up to 256 KB
	bufClassKeep = 16 << 20
)

func newBufPool() *bufPool {
	p := &bufPool{}
	for k := range p.classes {
		p.classes[k] = make(chan []byte, bufClassKeep>>(bufMinShift+k))
	}
	return p
}

// class is the smallest class holding capacity bytes, or -1.
func bufClass(capacity int) int {
	for k := 0; k < bufClasses; k++ {
		if capacity <= 1<<(bufMinShift+k) {
			return k
		}
	}
	return -1
}

// get returns an empty buffer of at least capacity bytes.
func (p *bufPool) get(capacity int) []byte {
	k := bufClass(capacity)
	if k < 0 {
		return make([]byte, 0, capacity)
	}
	select {
	case b := <-p.classes[k]:
		return b[:0]
	default:
		return make([]byte, 0, 1<<(bufMinShift+k))
	}
}

// put hands back a buffer nothing refers to any more. Buffers that are not
// exactly of a class (grown past their class, or never from the pool) and
// buffers beyond what a class keeps are left to the collector.
func (p *bufPool) put(b []byte) {
	k := bufClass(cap(b))
	if k < 0 || cap(b) != 1<<(bufMinShift+k) {
		return
	}
	select {
	case p.classes[k] <- b:
	default:
	}
}
