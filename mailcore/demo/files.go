package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
)

// samplePNG draws a small deterministic picture: a two-colour gradient
// with a diagonal band, different for every seed.
func samplePNG(seed, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r0, g0, b0 := uint8(40+seed*53%180), uint8(60+seed*97%160), uint8(90+seed*31%150)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{r0 + uint8(x*60/w), g0 + uint8(y*60/h), b0, 255}
			if (x+y+seed)%(w/3+1) < 3 {
				c = color.RGBA{250, 240, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	// Encoding an in-memory RGBA image cannot fail.
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// samplePDF writes a minimal one-page PDF 1.4 document with a title and a
// few lines of ASCII text, with a correct cross-reference table.
func samplePDF(title string, lines []string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 18 Tf 56 780 Td (" + pdfEscape(title) + ") Tj ET\n")
	for i, l := range lines {
		fmt.Fprintf(&content, "BT /F1 11 Tf 56 %d Td (%s) Tj ET\n", 740-i*16, pdfEscape(l))
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return buf.Bytes()
}

func pdfEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
	return r.Replace(s)
}
