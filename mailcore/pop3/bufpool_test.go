package pop3

import "testing"

func TestBufPoolClasses(t *testing.T) {
	p := newBufPool()
	b := p.get(20 << 10)
	if len(b) != 0 || cap(b) != 32<<10 {
		t.Fatalf("get(20 KB): len %d cap %d, want 0 and 32 KB", len(b), cap(b))
	}
	b = append(b, "reused"...)
	p.put(b)
	again := p.get(17 << 10)
	if len(again) != 0 || cap(again) != 32<<10 || &again[:1][0] != &b[0] {
		t.Fatalf("get after put did not reuse the buffer (cap %d)", cap(again))
	}
	if huge := p.get(1 << 20); cap(huge) != 1<<20 {
		t.Fatalf("get(1 MB): cap %d", cap(huge))
	}
	// A buffer that grew past its class is not kept.
	grown := append(p.get(16<<10), make([]byte, 40<<10)...)
	p.put(grown)
	if b := p.get(64 << 10); cap(b) == cap(grown) && &b[:1][0] == &grown[0] {
		t.Fatal("a grown buffer came back from the pool")
	}
	// A class keeps a bounded number of buffers.
	for i := 0; i < 2*cap(p.classes[0]); i++ {
		p.put(make([]byte, 0, 16<<10))
	}
	if n := len(p.classes[0]); n != cap(p.classes[0]) {
		t.Fatalf("class holds %d buffers, want its limit %d", n, cap(p.classes[0]))
	}
}
