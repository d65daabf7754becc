// Package readbench measures and checks the message reading view end to
// end: a raw message is parsed, converted with app.ReadViewModel, shown in a
// widgets.MessageView and rendered by Fyne's software test driver. The
// benchmark harness calls OpenLargeMs for the message.open_large metric.
package readbench

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hongyan/app"
	"hongyan/mailcore/message"
	"hongyan/widgets"
)

// Sizes of the synthetic large message.
const (
	LargeAttachmentBytes = 5 << 20
	LargeHTMLBytes       = 200 << 10
)

// LargeMessage builds a message with a LargeHTMLBytes HTML body (headings,
// paragraphs with styles and links, lists, a table, quotations) and a
// LargeAttachmentBytes binary attachment. The content is deterministic.
func LargeMessage() []byte {
	var h strings.Builder
	h.WriteString("<html><body>")
	for i := 0; h.Len() < LargeHTMLBytes; i++ {
		switch i % 8 {
		case 0:
			fmt.Fprintf(&h, "<h2>Section %d</h2>", i)
		case 1, 2, 3:
			fmt.Fprintf(&h, "<p>Paragraph %d of the report. The <b>quarterly numbers</b> are in, and the <i>team</i> "+
				"would like to thank everyone who took part. See <a href=\"https://example.org/r/%d\">the details</a> "+
				"for more, or reply to this message with questions. 鸿雁传书，千里寄情。</p>", i, i)
		case 4:
			h.WriteString("<ul><li>First point to remember</li><li>Second point, with <code>code</code></li><li>Third point</li></ul>")
		case 5:
			fmt.Fprintf(&h, "<table><tr><th>Item</th><th>Count</th></tr><tr><td>Apples</td><td>%d</td></tr><tr><td>Pears</td><td>%d</td></tr></table>", i, i*2)
		case 6:
			h.WriteString("<blockquote><p>An earlier message quoted in full, which readers usually do not need to see again.</p></blockquote>")
		case 7:
			h.WriteString("<pre>preformatted  text\n  keeps   its spacing</pre><hr>")
		}
	}
	h.WriteString("</body></html>")

	att := make([]byte, LargeAttachmentBytes)
	for i := range att {
		att[i] = byte(i*7 + i>>11)
	}
	var b bytes.Buffer
	b.WriteString("From: Alice Example <alice@example.org>\r\nTo: Bob <bob@example.net>\r\n" +
		"Subject: Large report\r\nDate: Tue, 14 Jan 2025 10:30:00 +0800\r\nMessage-ID: <large@example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
		"--outer\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	writeBase64Lines(&b, []byte(h.String()))
	b.WriteString("--outer\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	writeBase64Lines(&b, att)
	b.WriteString("--outer--\r\n")
	return b.Bytes()
}

func writeBase64Lines(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
}

var testApp = sync.OnceValue(func() fyne.App { return test.NewApp() })

// Open parses raw, converts it, builds a MessageView in a 900×700 test
// window and renders one frame. It returns the view and the window; close
// the window when done. It must not run concurrently with other Fyne work.
func Open(raw []byte) (*widgets.MessageView, fyne.Window, error) {
	testApp()
	m, err := message.Parse(raw)
	if err != nil {
		return nil, nil, err
	}
	vm := app.ReadViewModel(m)
	v := widgets.NewMessageView()
	v.SetMessage(&vm)
	w := test.NewWindow(v)
	w.Resize(fyne.NewSize(900, 700))
	if img := w.Canvas().Capture(); img == nil {
		w.Close()
		return nil, nil, fmt.Errorf("readbench: nothing rendered")
	}
	return v, w, nil
}

// OpenLargeMs opens LargeMessage (built once, outside the timing) to a
// rendered view and returns the milliseconds taken: the message.open_large
// metric, goal at most 300.
func OpenLargeMs() (float64, error) {
	raw := largeOnce()
	start := time.Now()
	_, w, err := Open(raw)
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	w.Close()
	return float64(elapsed.Microseconds()) / 1000, nil
}

var largeOnce = sync.OnceValue(LargeMessage)
