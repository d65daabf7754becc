// Package assets embeds the files Hongyan ships inside its binary: the
// application icon and the user-interface translations.
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
