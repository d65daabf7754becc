package slicepool

import "testing"

// Put clears a slice's elements before keeping it, Get hands out empty
// slices with at least the room asked for, pooled or new.
func TestPoolClearsAndSizes(t *testing.T) {
	var p Pool[*int]
	s := p.Get(10)
	if len(s) != 0 || cap(s) < 10 {
		t.Fatalf("Get(10) = len %d cap %d", len(s), cap(s))
	}
	x := 7
	for range 10 {
		s = append(s, &x)
	}
	p.Put(s)
	for i, v := range s {
		if v != nil {
			t.Fatalf("element %d still set after Put", i)
		}
	}
	if r := p.Get(5); len(r) != 0 || cap(r) < 5 {
		t.Fatalf("Get(5) = len %d cap %d", len(r), cap(r))
	}
	if big := p.Get(1000); cap(big) < 1000 || len(big) != 0 {
		t.Fatalf("Get(1000) = len %d cap %d", len(big), cap(big))
	}
	p.Put(nil) // nothing to keep; must not panic
}
