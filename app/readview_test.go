package app

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/message"
	"hongyan/widgets"
)

// viewOf builds the message d and returns its reading view model.
func viewOf(t *testing.T, d *message.Draft) widgets.MessageViewModel {
	t.Helper()
	raw, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	m, err := message.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return messageViewModel(m)
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, h/2, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Attached pictures that the body does not show are drawn after it,
// scaled down to the view; other attachments and broken pictures are not,
// and all of them stay in the attachment list.
func TestAttachedPicturesShownAfterTheBody(t *testing.T) {
	d := &message.Draft{From: message.Address{Email: "a@example.org"}, To: []message.Address{{Email: "b@example.org"}},
		Subject: "pictures", Text: "Here they are.",
		Attachments: []message.DraftAttachment{
			{Name: "wide.png", ContentType: "image/png", Data: pngOf(t, 2000, 500)},
			{Name: "notes.txt", ContentType: "text/plain", Data: []byte("not a picture")},
			{Name: "broken.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nbroken")},
			{Name: "small.png", ContentType: "image/png", Data: pngOf(t, 40, 30)},
		}}
	vm := viewOf(t, d)
	if len(vm.Attachments) != 4 {
		t.Fatalf("%d attachments listed, want 4", len(vm.Attachments))
	}
	var pics []*widgets.BodyImageRef
	rule := -1
	for i, b := range vm.Blocks {
		switch {
		case b.Kind == widgets.BodyRule:
			rule = i
		case b.Kind == widgets.BodyImage && b.Image != nil && b.Image.Pixels != nil:
			if rule < 0 {
				t.Fatal("a picture before the rule that ends the body")
			}
			pics = append(pics, b.Image)
		}
	}
	if len(pics) != 2 || pics[0].Name != "wide.png" || pics[1].Name != "small.png" {
		t.Fatalf("pictures drawn: %d", len(pics))
	}
	if b := pics[0].Pixels.Bounds(); b.Dx() != 640 || b.Dy() != 160 {
		t.Fatalf("the wide picture is %dx%d, want 640x160", b.Dx(), b.Dy())
	}
	if b := pics[1].Pixels.Bounds(); b.Dx() != 40 || b.Dy() != 30 {
		t.Fatalf("the small picture is %dx%d, want it as it is", b.Dx(), b.Dy())
	}
}

func TestInvitationShownAboveTheBody(t *testing.T) {
	useEnglish(t)
	cal := strings.Join([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", "METHOD:REQUEST", "BEGIN:VEVENT", "UID:1",
		"DTSTAMP:20261201T080000Z", "SUMMARY:Catch-up", "LOCATION:Room 3", "DTSTART:20261208T100000",
		"DTEND:20261208T110000", "ORGANIZER;CN=Henry Brown:mailto:henry@example.org", "END:VEVENT", "END:VCALENDAR"}, "\r\n") + "\r\n"
	d := &message.Draft{From: message.Address{Email: "henry@example.org"}, To: []message.Address{{Email: "b@example.org"}},
		Subject: "Invitation: catch-up", Text: "You are invited.",
		Attachments: []message.DraftAttachment{{Name: "invite.ics", ContentType: "text/calendar", Data: []byte(cal)}}}
	inv := viewOf(t, d).Invitation
	if inv == nil {
		t.Fatal("no invitation in the view")
	}
	if inv.Heading != "Invitation" || inv.Summary != "Catch-up" || inv.Where != "Room 3" || inv.Organizer != "Henry Brown" ||
		inv.When != "Tuesday 2026-12-08 10:00–11:00" {
		t.Fatalf("%+v", inv)
	}
}

func TestEventWhen(t *testing.T) {
	useEnglish(t)
	at := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.Local) }
	for _, c := range []struct {
		inv  message.Invitation
		want string
	}{
		{message.Invitation{Start: at(24, 0), End: at(25, 0), AllDay: true}, "Thursday 2026-12-24 (all day)"},
		{message.Invitation{Start: at(24, 0), End: at(27, 0), AllDay: true}, "Thursday 2026-12-24 – Saturday 2026-12-26 (all day)"},
		{message.Invitation{Start: at(8, 22), End: at(9, 1)}, "Tuesday 2026-12-08 22:00 – Wednesday 2026-12-09 01:00"},
		{message.Invitation{Start: at(8, 9)}, "Tuesday 2026-12-08 09:00"},
	} {
		if got := eventWhen(&c.inv); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}

	// An event set in another zone also says its time there; one set in
	// a zone on the local clock does not.
	var there *time.Location
	for _, name := range []string{"Asia/Tokyo", "America/New_York"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, a := at(8, 9).In(loc).Zone(); func() bool { _, b := at(8, 9).Zone(); return a != b }() {
			there = loc
			break
		}
	}
	s, e := at(8, 9), at(8, 10)
	inv := message.Invitation{Start: s, End: e, Zone: there}
	want := "Tuesday 2026-12-08 09:00–10:00 (" + s.In(there).Format("15:04") + "–" + e.In(there).Format("15:04") + ", " + there.String() + ")"
	if !sameDate(s, s.In(there)) {
		want = "Tuesday 2026-12-08 09:00–10:00 (" + eventDay(s.In(there)) + " " + s.In(there).Format("15:04") + "–" + e.In(there).Format("15:04") + ", " + there.String() + ")"
	}
	if got := eventWhen(&inv); got != want {
		t.Errorf("other zone: %q, want %q", got, want)
	}
	inv.Zone = time.Local
	if got := eventWhen(&inv); got != "Tuesday 2026-12-08 09:00–10:00" {
		t.Errorf("local zone: %q", got)
	}
}

func sameDate(a, b time.Time) bool { return a.Year() == b.Year() && a.YearDay() == b.YearDay() }

func eventDay(t time.Time) string { return t.Weekday().String() + " " + t.Format("2006-01-02") }

func TestAttachedPicturesCapped(t *testing.T) {
	d := &message.Draft{From: message.Address{Email: "a@example.org"}, To: []message.Address{{Email: "b@example.org"}}, Subject: "many", Text: "x"}
	small := pngOf(t, 8, 8)
	for i := 0; i < maxAttachedPictures+5; i++ {
		d.Attachments = append(d.Attachments, message.DraftAttachment{Name: fmt.Sprintf("p%d.png", i), ContentType: "image/png", Data: small})
	}
	vm := viewOf(t, d)
	drawn := 0
	for _, b := range vm.Blocks {
		if b.Kind == widgets.BodyImage && b.Image != nil && b.Image.Pixels != nil {
			drawn++
		}
	}
	if drawn != maxAttachedPictures || len(vm.Attachments) != maxAttachedPictures+5 {
		t.Fatalf("%d pictures drawn, %d listed", drawn, len(vm.Attachments))
	}
}

// The source window shows the raw message read-only, in the normal text
// colour (the disabled colour greyed it out).
func TestSourceWindowReadable(t *testing.T) {
	a := test.NewTempApp(t)
	m := &message.Message{Subject: "Hello", Raw: []byte("Subject: Hello\r\n\r\nHi\r\n")}
	w := showSourceWindow(a, m)
	defer w.Close()
	o, ok := w.Content().(*container.ThemeOverride)
	if !ok {
		t.Fatalf("source window content %T", w.Content())
	}
	e, ok := o.Content.(*widget.Entry)
	if !ok || !e.Disabled() || e.Text != string(m.Raw) {
		t.Fatalf("source shown in %T (disabled %v) %q", o.Content, ok && e.Disabled(), e.Text)
	}
	v := a.Settings().ThemeVariant()
	if got, want := o.Theme.Color(theme.ColorNameDisabled, v), a.Settings().Theme().Color(theme.ColorNameForeground, v); got != want {
		t.Fatalf("source text drawn in %v, want the text colour %v", got, want)
	}
}
