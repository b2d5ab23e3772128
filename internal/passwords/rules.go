// Package passwords audits a factory batch of default passwords against
// the UK product security regime's password rules (PSTI Schedule 1
// paragraph 1, PSTI-PW-01…08) and generates compliant ones. It is pure and
// streaming: it reads a batch once, holds a few bytes per row, uses every
// core, and touches no database.
//
// The rules DP-01…DP-15 are described in the project's password-audit
// research note; Rules lists them with the requirement each serves.
package passwords

import "math"

// Severity says how a rule's findings count. A FAIL is a violation on its
// face; a WARN is evidence that needs a person's review. Either makes the
// batch fail. INFO findings (excluded credential types) do not.
type Severity string

// Severities.
const (
	Fail Severity = "FAIL"
	Warn Severity = "WARN"
	Info Severity = "INFO"
)

// Rule describes one audit rule.
type Rule struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    Severity `json:"severity"`
	Scope       string   `json:"scope" doc:"row: judged per device; batch: judged across the batch; sample: run on a sample; process: about how passwords were made"`
	Requirement string   `json:"requirement" doc:"The PSTI requirement the rule serves."`
	Explain     string   `json:"explain" doc:"What the rule means, in plain English."`
}

// rule indexes into Rules.
type rule int8

const (
	dp01 rule = iota
	dp02
	dp03
	dp04
	dp05
	dp06
	dp07
	dp08
	dp09
	dp10
	dp11
	dp12
	dp13
	dp14
	dp15
	numRules
)

// Rules lists every rule in order.
var Rules = [numRules]Rule{
	{"DP-01", "Empty, too short, or invalid characters", Fail, "row", "PSTI-PW-05",
		"A password must exist (or the device must make the user set one) and be long enough. A Wi-Fi key must be 8 to 63 printable ASCII characters."},
	{"DP-02", "Known universal default password", Fail, "row", "PSTI-PW-01",
		"The password is one that many devices share and attackers try first (for example \"admin\" or the passwords the Mirai botnet used)."},
	{"DP-03", "Common, breached or dictionary password", Fail, "row", "PSTI-PW-05",
		"The password is a common or breached password or a dictionary word. Disguised forms (\"p@ssw0rd\", a word with digits added) are reported for review."},
	{"DP-04", "Not unique", Fail, "batch", "PSTI-PW-01",
		"Two or more devices in the batch have the same password, or a device has the same password as a device in an earlier batch of the same product. Each device must have its own. Passwords that differ only in letter case are reported for review (within the batch)."},
	{"DP-05", "Incremental counter", Fail, "batch", "PSTI-PW-02",
		"Passwords follow a counter: each is the previous one with a small part stepped up, or they run in order with the devices."},
	{"DP-06", "Derived from a product identifier", Fail, "row", "PSTI-PW-04",
		"The password is a piece of the device's MAC address, serial number or IMEI (possibly shifted by a small number, reversed, or with a fixed prefix). Anyone who can read the label can work it out. The law allows a password derived from a unique product identifier only by an encryption method or keyed hashing algorithm accepted as good industry practice."},
	{"DP-07", "Identifier converted to a number, base or XOR", Fail, "row", "PSTI-PW-04",
		"The password is the MAC address, serial number or IMEI turned into a number, written in another base, or combined with a fixed value; or each of its characters is a fixed XOR of parts of the MAC address (directly or through fixed tables), which the audit learns from some of the batch's devices and checks on others."},
	{"DP-08", "Unkeyed hash of identifiers", Fail, "row", "PSTI-PW-04",
		"The password is a hash (MD5, SHA-1, SHA-256, SHA-512, CRC32) of the device's identifiers without a secret key. Anyone who knows the scheme can compute it: for unique product identifiers the law allows only an encryption method or a keyed hashing algorithm accepted as good industry practice."},
	{"DP-09", "Based on public information", Fail, "row", "PSTI-PW-03",
		"The password contains the Wi-Fi network name, the brand, the model, the default user name or similar information printed on the box or broadcast by the device. The law makes no exception for public information: keyed hashing or encryption is allowed only for unique product identifiers (para 1(3)(b) and (c))."},
	{"DP-10", "Depends statistically on identifiers", Warn, "batch", "PSTI-PW-04",
		"Characters of the password are predictable from characters of an identifier across the batch, which points to a derivation the other rules do not name."},
	{"DP-11", "Low keyspace or fixed template", Fail, "batch", "PSTI-PW-05",
		"The passwords follow a format with too few possibilities (for example a fixed prefix and six digits), so they can be guessed by trying them all."},
	{"DP-12", "Near-duplicates", Warn, "batch", "PSTI-PW-02",
		"Some passwords differ from another device's in only one character, far more often than chance allows."},
	{"DP-13", "Easy to guess", Warn, "sample", "PSTI-PW-05",
		"A password-strength estimator (zxcvbn) finds the password guessable in few tries, using the device's own identifiers as hints."},
	{"DP-14", "Not a password under PSTI (excluded type, para 1(4))", Info, "row", "PSTI-PW-06",
		"Cryptographic keys, PINs for pairing over a protocol outside the internet protocol suite (Bluetooth, Zigbee; credential type pairing_pin_non_ip) and API keys are not passwords under paragraph 1(4). They are counted, not audited. A PIN that pairs over Wi-Fi or IP (pairing_pin) is a password and is audited. The label is checked: a row labelled as excluded whose value is a known or common password, a short dictionary word, or a short value several rows share, is flagged under DP-02, DP-03 or DP-04."},
	{"DP-15", "Generation mechanism declared, key kept off the device", Fail, "process", "PSTI-PW-04, PSTI-PW-08",
		"How the passwords were made cannot be proved from the passwords alone. The declaration must name a secure random generator, or an encryption method or keyed hashing algorithm accepted as good industry practice (for example HMAC-SHA-256, KMAC, AES-CMAC or AES-SIV) whose key is kept off the device: in a hardware security module, a key service, or a file on a factory system (allowed, with a note saying what that means)."},
}

// Thresholds are the numbers the rules use. They are printed in every
// report. The law sets none of them: they are engineering choices, and may be
// changed per run.
type Thresholds struct {
	MinLength       int     `json:"min_length" doc:"Shortest acceptable password, except Wi-Fi keys."`
	WiFiMinLength   int     `json:"wifi_min_length" doc:"Shortest acceptable Wi-Fi key (WPA2 needs 8)."`
	FloorBits       float64 `json:"floor_bits" doc:"Keyspace below this many bits fails (DP-11)."`
	TargetBits      float64 `json:"target_bits" doc:"Keyspace below this many bits needs review (DP-11)."`
	WiFiFloorBits   float64 `json:"wifi_floor_bits" doc:"Keyspace floor for Wi-Fi keys, which can be attacked offline."`
	MACOffset       int     `json:"mac_offset" doc:"MAC addresses within this distance of the device's own are tried (devices own several)."`
	Chance          float64 `json:"chance" doc:"A pattern of matches across the batch is reported only if random passwords would produce it less often than this."`
	BatchChance     float64 `json:"batch_chance" doc:"A match on a single row is reported when a random batch of the same size and format would show one as strong, on any row, less often than this (DP-06 to DP-10): so one bad row is enough, and a flag is never a coin toss."`
	RunLength       int     `json:"run_length" doc:"This many consecutive passwords in sorted order count as a counter (DP-05)."`
	DenseRows       int     `json:"dense_counter_rows" doc:"Passwords of one shape (the same but for one number) need this many rows before their numbers are checked for filling their range, as a counter's do in any order (DP-05)."`
	DenseFill       float64 `json:"dense_counter_fill" doc:"The numbers of a shape count as a counter in any order when their distinct values fill at least this share of their range, and random values would do so less often than chance (DP-05)."`
	MinGuessesLog10 float64 `json:"min_guesses_log10" doc:"zxcvbn estimates below 10^this many guesses need review (DP-13)."`
	GuessSample     int     `json:"guess_sample" doc:"Rows checked with zxcvbn, chosen at random (DP-13)."`
	NearDupSample   int     `json:"near_duplicate_sample" doc:"Rows compared pairwise for near-duplicates, chosen at random (DP-12)."`
}

// DefaultThresholds are the thresholds used unless a run changes them.
func DefaultThresholds() Thresholds {
	return Thresholds{
		MinLength:       8,
		WiFiMinLength:   8,
		FloorBits:       40,
		TargetBits:      64,
		WiFiFloorBits:   64,
		MACOffset:       16,
		Chance:          1e-12,
		BatchChance:     1e-3,
		RunLength:       20,
		DenseRows:       100,
		DenseFill:       0.5,
		MinGuessesLog10: 8,
		GuessSample:     5000,
		NearDupSample:   500_000,
	}
}

// rowHypotheses bounds how many separately weighted families of comparison
// (rule × candidate form of the password × identifier) can flag one row.
// Each family's comparisons are weighted to sum to one, so a random row is
// flagged by coincidence with probability at most rowHypotheses × the
// per-family threshold, and a random batch of N rows at most N times that.
const rowHypotheses = 16

// log10Chance is log10 of the probability that a random string of length n
// over an alphabet of a symbols equals one given string.
func log10Chance(a float64, n int) float64 { return -float64(n) * math.Log10(a) }

// ThresholdsOf names the thresholds a rule uses, by their JSON names (the
// names psti passwords audit --set takes).
func ThresholdsOf(id string) []string {
	switch id {
	case "DP-01":
		return []string{"min_length", "wifi_min_length"}
	case "DP-05":
		return []string{"run_length", "dense_counter_rows", "dense_counter_fill", "chance"}
	case "DP-06", "DP-07":
		return []string{"mac_offset", "chance", "batch_chance"}
	case "DP-08", "DP-09", "DP-10":
		return []string{"chance", "batch_chance"}
	case "DP-11":
		return []string{"floor_bits", "target_bits", "wifi_floor_bits"}
	case "DP-12":
		return []string{"near_duplicate_sample"}
	case "DP-13":
		return []string{"min_guesses_log10", "guess_sample"}
	}
	return nil
}
