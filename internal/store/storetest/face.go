package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// logoImage encodes a small image of side w×h as "png" or "jpeg".
func logoImage(t testing.TB, format string, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	switch format {
	case "png":
		must(t, png.Encode(&buf, img))
	case "jpeg":
		must(t, jpeg.Encode(&buf, img, nil))
	default:
		t.Fatalf("no encoder for %q", format)
	}
	return buf.Bytes()
}

func hexSHA256(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// testOrganisationFace: an organisation's logo is set, read back byte for
// byte with its type, replaced and removed; its colour round-trips; each
// change is in the audit trail; neither is lost when the organisation is
// changed, archived or copied to another database.
func testOrganisationFace(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	org := &product.Organisation{LegalName: "Face Ltd", Address: "1 Market Street", BrandColour: "#14243b"}
	must(t, db.CreateOrganisation(ctx, editor, org))

	// The colour round-trips, and a new organisation has no logo.
	got, err := db.Organisation(ctx, org.ID)
	must(t, err)
	if got.BrandColour != "#14243b" || got.LogoSHA256 != "" {
		t.Fatalf("new organisation: colour %q logo %q", got.BrandColour, got.LogoSHA256)
	}
	if _, _, err := db.Logo(ctx, org.ID); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("logo of an organisation without one: %v", err)
	}
	// Removing a logo that is not there changes nothing.
	must(t, db.SetLogo(ctx, editor, org.ID, nil))
	if got, _ := db.Organisation(ctx, org.ID); got.Revision != 1 {
		t.Fatalf("removing no logo bumped the revision to %d", got.Revision)
	}

	// Set a PNG.
	clock.Add(time.Minute)
	pngLogo := logoImage(t, "png", 40, 20, color.RGBA{0x14, 0x24, 0x3b, 0xff})
	must(t, db.SetLogo(ctx, editor, org.ID, pngLogo))
	typ, data, err := db.Logo(ctx, org.ID)
	must(t, err)
	if typ != "image/png" || !bytes.Equal(data, pngLogo) {
		t.Fatalf("logo read back: type %q, %d bytes (want image/png, %d bytes, equal)", typ, len(data), len(pngLogo))
	}
	got, err = db.Organisation(ctx, org.ID)
	must(t, err)
	if got.LogoSHA256 != hexSHA256(pngLogo) || got.Revision != 2 || !got.UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("after setting the logo: sha256 %q revision %d updated %v", got.LogoSHA256, got.Revision, got.UpdatedAt)
	}
	// The same logo again changes nothing.
	must(t, db.SetLogo(ctx, editor, org.ID, pngLogo))
	if got, _ := db.Organisation(ctx, org.ID); got.Revision != 2 {
		t.Fatalf("the same logo again bumped the revision to %d", got.Revision)
	}

	// A form holding the revision read before the logo changed is stale.
	stale := &product.Organisation{Record: psti.Record{ID: org.ID, Revision: 1}, LegalName: "Face Ltd", Address: "1 Market Street"}
	wantCode(t, db.UpdateOrganisation(ctx, editor, stale), psti.ECONFLICT, "")

	// What is not a PNG or JPEG image is refused, and the logo stays.
	for name, bad := range map[string][]byte{
		"empty":     {},
		"text":      []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"),
		"truncated": pngLogo[:len(pngLogo)/2],
		"too big":   bytes.Repeat([]byte{0}, product.MaxLogoBytes+1),
		"too wide":  logoImage(t, "png", product.MaxLogoSide+1, 1, color.RGBA{A: 0xff}),
	} {
		wantCode(t, db.SetLogo(ctx, editor, org.ID, bad), psti.EINVALID, "logo")
		if _, data, err := db.Logo(ctx, org.ID); err != nil || !bytes.Equal(data, pngLogo) {
			t.Fatalf("%s logo refused, but the logo changed (%d bytes, %v)", name, len(data), err)
		}
	}
	// An organisation that does not exist has no logo to set.
	wantCode(t, db.SetLogo(ctx, editor, org.ID+100, pngLogo), psti.ENOTFOUND, "")

	// Changing the organisation's own fields keeps the logo; the colour
	// changes and can be taken away.
	got, err = db.Organisation(ctx, org.ID)
	must(t, err)
	got.BrandColour = "#0b0c0c"
	must(t, db.UpdateOrganisation(ctx, editor, got))
	got, err = db.Organisation(ctx, org.ID)
	must(t, err)
	if got.BrandColour != "#0b0c0c" || got.LogoSHA256 != hexSHA256(pngLogo) {
		t.Fatalf("after an update: colour %q logo %q", got.BrandColour, got.LogoSHA256)
	}
	if _, data, err := db.Logo(ctx, org.ID); err != nil || !bytes.Equal(data, pngLogo) {
		t.Fatalf("logo after an update of the organisation: %d bytes, %v", len(data), err)
	}
	got.BrandColour = ""
	must(t, db.UpdateOrganisation(ctx, editor, got))
	if got, _ := db.Organisation(ctx, org.ID); got.BrandColour != "" {
		t.Fatalf("colour not taken away: %q", got.BrandColour)
	}
	// A colour white text cannot be read on is refused.
	got.BrandColour = "#ffff00"
	wantCode(t, db.UpdateOrganisation(ctx, editor, got), psti.EINVALID, "brand_colour")

	// Replace it with a JPEG.
	jpegLogo := logoImage(t, "jpeg", 16, 16, color.RGBA{0xd4, 0x35, 0x1c, 0xff})
	must(t, db.SetLogo(ctx, editor, org.ID, jpegLogo))
	typ, data, err = db.Logo(ctx, org.ID)
	must(t, err)
	if typ != "image/jpeg" || !bytes.Equal(data, jpegLogo) {
		t.Fatalf("replaced logo: type %q, %d bytes", typ, len(data))
	}
	if got, _ := db.Organisation(ctx, org.ID); got.LogoSHA256 != hexSHA256(jpegLogo) {
		t.Fatalf("replaced logo's sha256 %q", got.LogoSHA256)
	}

	// Archiving the organisation keeps its face.
	_, err = db.SetArchived(ctx, editor, product.KindOrganisation, org.ID, true)
	must(t, err)
	if typ, data, err := db.Logo(ctx, org.ID); err != nil || typ != "image/jpeg" || !bytes.Equal(data, jpegLogo) {
		t.Fatalf("logo of an archived organisation: %q, %d bytes, %v", typ, len(data), err)
	}

	// A copy of the database carries the logo and the colour.
	_, err = db.SetArchived(ctx, editor, product.KindOrganisation, org.ID, false)
	must(t, err)
	got, err = db.Organisation(ctx, org.ID)
	must(t, err)
	got.BrandColour = "#1d70b8"
	must(t, db.UpdateOrganisation(ctx, editor, got))
	dst, _ := Open(t, SQLite)
	_, err = store.CopyAll(ctx, db, dst, nil)
	must(t, err)
	copied, err := dst.Organisation(ctx, org.ID)
	must(t, err)
	if copied.BrandColour != "#1d70b8" || copied.LogoSHA256 != hexSHA256(jpegLogo) {
		t.Fatalf("copied organisation: colour %q logo %q", copied.BrandColour, copied.LogoSHA256)
	}
	if typ, data, err := dst.Logo(ctx, org.ID); err != nil || typ != "image/jpeg" || !bytes.Equal(data, jpegLogo) {
		t.Fatalf("copied logo: %q, %d bytes, %v", typ, len(data), err)
	}

	// Remove it.
	must(t, db.SetLogo(ctx, editor, org.ID, nil))
	if _, _, err := db.Logo(ctx, org.ID); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("logo after removing it: %v", err)
	}
	if got, _ := db.Organisation(ctx, org.ID); got.LogoSHA256 != "" || got.BrandColour != "#1d70b8" {
		t.Fatalf("after removing the logo: sha256 %q colour %q", got.LogoSHA256, got.BrandColour)
	}

	// The audit trail names each logo by its SHA-256, never its bytes.
	es, err := db.Audit(ctx, psti.AuditFilter{Entity: string(product.KindOrganisation), EntityID: org.ID})
	must(t, err)
	type logo struct {
		LegalName string `json:"legal_name"`
		Logo      string `json:"logo_sha256"`
	}
	var changes [][2]string
	for i := len(es) - 1; i >= 0; i-- {
		var before, after logo
		if es[i].Before == nil || json.Unmarshal(es[i].Before, &before) != nil || json.Unmarshal(es[i].After, &after) != nil {
			continue
		}
		if before.Logo != after.Logo {
			changes = append(changes, [2]string{before.Logo, after.Logo})
		}
		if len(es[i].After) > 1000 {
			t.Fatalf("audit entry carries more than the logo's name: %d bytes", len(es[i].After))
		}
	}
	want := [][2]string{{"", hexSHA256(pngLogo)}, {hexSHA256(pngLogo), hexSHA256(jpegLogo)}, {hexSHA256(jpegLogo), ""}}
	if len(changes) != len(want) {
		t.Fatalf("logo changes in the audit trail: %v, want %v", changes, want)
	}
	for i := range want {
		if changes[i] != want[i] {
			t.Fatalf("logo changes in the audit trail: %v, want %v", changes, want)
		}
	}
}
