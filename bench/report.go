package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

func writeReport(dir string, n int, rs []Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if rs == nil {
		rs = []Result{}
	}
	js, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Hongyan benchmarks\n\nMailbox size BENCH_N = %d.\n\n", n)
	b.WriteString("| metric | value | unit | baseline | baseline value | ratio | goal | note |\n")
	b.WriteString("|---|---:|---|---|---:|---:|---|---|\n")
	for _, r := range rs {
		base, bv, ratio := "", "", ""
		if r.BaselineName != "" {
			base, bv = r.BaselineName, fmt.Sprintf("%.3f", r.BaselineValue)
			ratio = fmt.Sprintf("%.2f", r.Ratio)
			if r.Ratio < 0.01 {
				ratio = fmt.Sprintf("%.4f", r.Ratio)
			}
		}
		fmt.Fprintf(&b, "| %s | %.3f | %s | %s | %s | %s | %s | %s |\n", r.Name, r.Value, r.Unit, base, bv, ratio, r.Goal, r.Note)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return writeChart(filepath.Join(dir, "results.png"), rs)
}

// writeChart draws one horizontal bar per row with a baseline: its ratio
// to the baseline, with a line at 1.0. Plain image drawing keeps the
// harness free of plotting dependencies.
func writeChart(path string, rs []Result) error {
	var rows []Result
	for _, r := range rs {
		if r.BaselineName != "" && r.Ratio > 0 {
			rows = append(rows, r)
		}
	}
	const (
		left, right, top, rowH, barH = 260, 40, 40, 34, 20
		width                        = 900
	)
	height := top + rowH*len(rows) + 40
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	maxRatio := 2.0
	for _, r := range rows {
		if r.Ratio > maxRatio {
			maxRatio = r.Ratio * 1.1
		}
	}
	scale := float64(width-left-right) / maxRatio
	text(img, 10, 20, "ratio to baseline (lower is better; line = 1.0)", color.Black)
	for i, r := range rows {
		y := top + i*rowH
		text(img, 10, y+15, r.Name+" vs "+r.BaselineName, color.Black)
		w := int(r.Ratio * scale)
		c := color.RGBA{0x3b, 0x82, 0xf6, 0xff}
		if r.Ratio > 1.3 {
			c = color.RGBA{0xef, 0x44, 0x44, 0xff}
		}
		draw.Draw(img, image.Rect(left, y, left+w, y+barH), image.NewUniform(c), image.Point{}, draw.Src)
		text(img, left+w+4, y+15, fmt.Sprintf("%.2f", r.Ratio), color.Black)
	}
	x1 := left + int(scale)
	draw.Draw(img, image.Rect(x1, top-5, x1+1, height-30), image.NewUniform(color.Black), image.Point{}, draw.Src)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func text(img draw.Image, x, y int, s string, c color.Color) {
	d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
