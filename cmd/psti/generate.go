package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/passwords"
)

func generateCmd(a *app) *cobra.Command {
	var o struct {
		serials, out, alphabet, keyFile, label, custody, ctype, manifest, separator string
		model, batch, standard, report                                              string
		length, words                                                               int
	}
	c := &cobra.Command{
		Use:   "generate --serials SERIALS.csv --out BATCH.csv",
		Short: "Generate a unique, compliant default password for every device",
		Long: `Generate a default password for every device in SERIALS.csv (a CSV with a
header and a "serial" column; other columns such as mac are kept) and write the
batch to --out with a password column added.

By default each password is drawn from a cryptographically secure random
generator, uniformly over the alphabet (rejection sampling: no character is more
likely than another). With --hmac-key-file and --label, each password is instead
derived from its serial with HMAC-SHA-256 under a secret key, so it can be
derived again later from the serial; the key never appears in any output, only
its fingerprint. --key-custody must say where the key is kept, and has no
default, so the manifest never claims a place nobody stated: hsm or kms means
the key never leaves the key store named, which releases it only to this run
(for example through a secrets mount that is gone afterwards); file means it
sits in a file on a factory system, which is allowed, and the audit report says
what that means (anyone who copies the file can work out every password). A key
on the devices is refused.

Passwords are unique in the batch. Settings below 64 bits are refused for Wi-Fi
keys (they can be attacked offline) and below 40 bits for anything else.

Before it reports success, the generator audits its own output with every rule;
--report keeps that audit's report (JSON).

--manifest writes the declaration of how the batch was made (DP-15: mechanism,
alphabet, length, entropy, key fingerprint, row count, SHA-256 of the output),
with the product's model (--model) and batch code (--batch), the standard
relied on where it is the deemed route (--standard en-303-645: ETSI EN 303 645
V2.1.1 provisions 5.1-1 and 5.1-2), and the self-audit's verdict and the SHA-256
of its report (the bytes --report writes). It is signed with this
installation's Ed25519 key (kept in the database, --database-url): anyone can
check it offline with "psti passwords verify-manifest", and pin the key that
"psti passwords manifest-key" prints. Give the manifest to
"psti passwords audit --manifest".`,
		Example: `  psti passwords generate --serials serials.csv --out batch.csv --manifest manifest.json \
      --model AC-200 --batch B-2411 --standard en-303-645 --report self-audit.json
  psti passwords generate --serials serials.csv --out wifi.csv --credential-type wifi_psk --length 16
  psti passwords generate --serials serials.csv --out batch.csv --passphrase-words 5
  psti passwords generate --serials serials.csv --out batch.csv \
      --hmac-key-file /run/secrets/psti-key --label psti-v1/AC-200 --key-custody hsm`,
		Args: exactArgs(0, "no arguments (use the flags)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if o.serials == "" || o.out == "" {
				return usagef("--serials and --out are required")
			}
			if _, err := os.Stat(o.out); err == nil {
				return usagef("%s already exists; choose a new file, so no batch of passwords is overwritten", o.out)
			}
			g := passwords.GenerateConfig{AlphabetName: o.alphabet, Length: o.length, Words: o.words, Separator: o.separator,
				Label: o.label, KeyCustody: o.custody, Type: o.ctype, Version: buildVersion()}
			switch o.ctype {
			case "", passwords.TypeAdmin, passwords.TypeWiFi, passwords.TypeWeb, passwords.TypePairingPIN:
			default:
				return usagef("--credential-type must be admin, wifi_psk, web or pairing_pin (a PIN that pairs over Wi-Fi or IP); %q is not a password under PSTI Schedule 1 paragraph 1(4), or not a type psti knows", o.ctype)
			}
			standard := ""
			switch o.standard {
			case "":
			case "en-303-645":
				standard = passwords.StandardEN303645
			default:
				return usagef("--standard must be en-303-645 (ETSI EN 303 645 V2.1.1 provisions 5.1-1 and 5.1-2), or left out, not %q", o.standard)
			}
			if o.manifest == "" && (o.model != "" || o.batch != "" || o.standard != "") {
				return usagef("--model, --batch and --standard are recorded in the manifest: give --manifest too")
			}
			if (o.keyFile == "") != (o.label == "") {
				return usagef("--hmac-key-file and --label go together: the label keeps each product's derivation apart")
			}
			if o.keyFile != "" {
				key, err := readKey(o.keyFile)
				if err != nil {
					return usageError{err}
				}
				g.Key = key
			}
			if err := g.Check(passwords.DefaultThresholds()); err != nil {
				return usageError{err}
			}
			in, _, closeIn, err := openInput(o.serials)
			if err != nil {
				return err
			}
			defer closeIn()
			// The manifest's file is made before the batch, so a manifest
			// that cannot be written refuses the run instead of losing the
			// declaration of a batch already written.
			var manifestOut, reportOut *pendingFile
			var signer ed25519.PrivateKey
			if o.manifest != "" {
				if manifestOut, err = newPendingFile(o.manifest); err != nil {
					return err
				}
				defer manifestOut.discard()
				if signer, err = a.manifestKey(c.Context()); err != nil {
					return err
				}
			}
			if o.report != "" {
				if reportOut, err = newPendingFile(o.report); err != nil {
					return err
				}
				defer reportOut.discard()
			}
			start := time.Now()
			m, err := passwords.Generate(in, o.serials, o.out, g, nil)
			if err != nil {
				return inputUsage(err)
			}
			genTime := time.Since(start)
			fmt.Fprintf(a.stderr, "Generated %s passwords (%s, %.1f bits each) in %.1f s: %s\n", humanize.Comma(m.Rows), describeSettings(m), m.EntropyBits, genTime.Seconds(), o.out)

			// The generator checks its own work with every rule. What the
			// generation held is garbage now; hand it back first.
			debug.FreeOSMemory()
			debug.SetMemoryLimit(400 << 20)
			f, err := os.Open(o.out)
			if err != nil {
				return err
			}
			defer f.Close()
			decl := *m // the declaration as audited, before the audit's own record is added
			rep, err := passwords.Audit(c.Context(), f, passwords.Config{Declaration: &decl, InputName: o.out, Thresholds: passwords.DefaultThresholds()})
			if err != nil {
				return err
			}
			// The report's bytes, exactly as --report writes them; the
			// manifest records their SHA-256.
			var report bytes.Buffer
			enc := json.NewEncoder(&report)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return err
			}
			if reportOut != nil {
				if _, err := reportOut.Write(report.Bytes()); err != nil {
					return err
				}
				if err := reportOut.commit(); err != nil {
					return err
				}
			}
			if manifestOut != nil {
				sum := sha256.Sum256(report.Bytes())
				m.Model, m.Batch, m.Standard = strings.TrimSpace(o.model), strings.TrimSpace(o.batch), standard
				m.Audit = &passwords.ManifestAudit{Verdict: rep.Verdict, Summary: rep.Summary, ReportSHA256: hex.EncodeToString(sum[:])}
				signed, err := m.Sign(signer)
				if err != nil {
					return err
				}
				if _, err := manifestOut.Write(signed); err != nil {
					return err
				}
				if err := manifestOut.commit(); err != nil {
					return err
				}
			}
			if rep.Verdict != "pass" {
				fmt.Fprintf(a.stderr, "The generated batch did NOT pass its own audit: %s\n", rep.Summary)
				writeReport(a.stderr, rep)
				return exitError{1}
			}
			fmt.Fprintf(a.stderr, "Self-audit passed: every rule, %s rows, in %.1f s.\n", humanize.Comma(rep.Rows), rep.Performance.Seconds)
			if o.manifest != "" {
				fmt.Fprintf(a.stderr, "Manifest, signed by %s (the declaration for psti passwords audit --manifest; check it with psti passwords verify-manifest): %s\n", m.PublicKey, o.manifest)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.serials, "serials", "", "CSV of devices with a \"serial\" column (required)")
	f.StringVar(&o.out, "out", "", "the batch file to write (required; must not exist)")
	f.IntVar(&o.length, "length", 12, "characters per password")
	f.StringVar(&o.alphabet, "alphabet", "unambiguous", "unambiguous (no 0/O, 1/l/I), alphanumeric, lowercase or digits")
	f.IntVar(&o.words, "passphrase-words", 0, "make passphrases of this many words from the EFF large list instead")
	f.StringVar(&o.separator, "separator", "-", "between passphrase words")
	f.StringVar(&o.keyFile, "hmac-key-file", "", "derive passwords from serials with HMAC-SHA-256 under this key (32+ bytes, raw or hex)")
	f.StringVar(&o.label, "label", "", "domain-separation label for the keyed derivation, e.g. psti-v1/MODEL")
	f.StringVar(&o.custody, "key-custody", "", "where the key is kept, for the manifest (required with --hmac-key-file): hsm or kms (the key never leaves that key store except to this run) or file (a file on a factory system)")
	f.StringVar(&o.ctype, "credential-type", passwords.TypeAdmin, "admin, wifi_psk, web or pairing_pin (pairs over Wi-Fi or IP); Wi-Fi keys need at least 64 bits")
	f.StringVar(&o.manifest, "manifest", "", "write the signed declaration of how the batch was made (JSON)")
	f.StringVar(&o.model, "model", "", "the product's model, for the manifest")
	f.StringVar(&o.batch, "batch", "", "the production batch's code, for the manifest")
	f.StringVar(&o.standard, "standard", "", "the standard relied on, for the manifest: en-303-645 (ETSI EN 303 645 V2.1.1 provisions 5.1-1 and 5.1-2, the deemed route)")
	f.StringVar(&o.report, "report", "", "write the self-audit's report (JSON) to this file; the manifest records its SHA-256")
	return c
}

// readKey reads a key file: hex text (64 or more hex digits) or raw bytes.
func readKey(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the key: %v", err)
	}
	if t := bytes.TrimSpace(b); len(t) >= 64 && len(t)%2 == 0 {
		if k, err := hex.DecodeString(string(t)); err == nil {
			return k, nil
		}
	}
	return b, nil
}

func describeSettings(m *passwords.Declaration) string {
	mech := "secure random"
	if m.Mechanism != "csprng" {
		mech = "HMAC-SHA-256 of the serial, key " + m.KeyID
	}
	if m.Words > 0 {
		return fmt.Sprintf("%s, %d words", mech, m.Words)
	}
	return fmt.Sprintf("%s, %d × %s", mech, m.Length, strings.TrimSpace(m.AlphabetName))
}
