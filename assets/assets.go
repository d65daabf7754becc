// Package assets embeds the files Hongyan ships inside its binary: the
// application icon, the user-interface translations and the licence
// notices of the modules linked into it.
package assets

import (
	"embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Translations holds one JSON file per language under "translations/",
// named <locale>.json (for example en.json, zh-CN.json), in the format
// read by fyne.io/fyne/v2/lang.AddTranslationsFS.
//
//go:embed translations/*.json
var Translations embed.FS

// TranslationsDir is the directory inside Translations that holds the files.
const TranslationsDir = "translations"

// Icon is the 512x512 application icon (rendered from icon.svg).
var Icon fyne.Resource = fyne.NewStaticResource("icon.png", iconPNG)

// Licenses holds the licence notice of every module linked into Hongyan,
// written by `go run ./assets/licenses/gen`: LicensesDir/modules.index has
// one "module-path version file" line per notice, and each file is the
// module's own LICENSE or COPYING text ("std" is the Go standard library).
//
//go:embed licenses/*.txt licenses/modules.index
var Licenses embed.FS

// LicensesDir is the directory inside Licenses that holds the notices.
const LicensesDir = "licenses"
