#!/usr/bin/env bash
# Rebuilds the embedded word lists of package internal/passwords from raw
# source files. It downloads nothing: put the raw files in one directory and
# pass that directory as the only argument.
#
#   internal/passwords/data/build.sh RAW_DIR
#
# RAW_DIR must contain these four files (sources, versions and licences are
# in THIRD_PARTY.md at the repository root):
#
#   password.lst            John the Ripper word list, Debian package
#                           john-data 1.9.0-2, file /usr/share/john/password.lst
#                             apt-get download john-data=1.9.0-2
#                             dpkg-deb -x john-data_1.9.0-2_all.deb x
#                             cp x/usr/share/john/password.lst RAW_DIR/
#   passwords.json          npm package @zxcvbn-ts/language-common 4.1.3,
#                           file package/src/passwords.json
#                             npm pack @zxcvbn-ts/language-common@4.1.3
#                             tar xzf zxcvbn-ts-language-common-4.1.3.tgz
#                             cp package/src/passwords.json RAW_DIR/
#   british-english         SCOWL British English, Debian package
#                           wbritish 2020.12.07-2, file /usr/share/dict/british-english
#                             apt-get download wbritish=2020.12.07-2
#                             dpkg-deb -x wbritish_2020.12.07-2_all.deb x
#                             cp x/usr/share/dict/british-english RAW_DIR/
#   word_list_eff_large.go  EFF large diceware list as embedded in Go module
#                           github.com/sethvargo/go-diceware v0.6.0, file
#                           diceware/word_list_eff_large.go (fetch it in a
#                           scratch module outside this repository:
#                             go mod init scratch && go get github.com/sethvargo/go-diceware@v0.6.0
#                           then copy the file from "$(go env GOMODCACHE)").
#                           Only the words are extracted; no Go code is used.
#                           (The diceware.json of @zxcvbn-ts/language-common
#                           4.1.3 is NOT the EFF list: it has "dropdown",
#                           "felttip", "tshirt" and "cheetah" where the EFF list
#                           has "drop-down", "felt-tip", "t-shirt" and "yo-yo".)
#
# Hand-written inputs, committed next to this script:
#   src/mirai-62.tsv        Mirai's 62 built-in telnet credential pairs
#   src/iot-defaults.txt    curated IoT/router/camera default passwords
#
# Outputs, written next to this script (plain UTF-8, one entry per line, LF,
# no comments or blank lines, compressed with gzip -9n so the bytes do not
# depend on file names or times):
#   defaults.txt.gz   Mirai passwords + john password.lst + curated list;
#                     original case, non-empty, at most 64 characters;
#                     byte-sorted (LC_ALL=C), deduplicated.
#   common.txt.gz     passwords.json lower-cased, 4-64 characters;
#                     byte-sorted, deduplicated.
#   words.txt.gz      british-english lower-cased, ASCII letters only
#                     (words with apostrophes or non-ASCII dropped),
#                     3-24 letters; byte-sorted, deduplicated.
#   eff_large.txt.gz  the 7,776 EFF large words in dice order 11111..66666
#                     (list order; not re-sorted).
#
# Needs bash, coreutils, grep, sed, awk, gzip and jq. The raw inputs are
# checked against the SHA-256 sums below, so the script fails loudly if it is
# given a different version of a source.
set -euo pipefail
export LC_ALL=C

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 RAW_DIR" >&2
	exit 2
fi
raw=$(cd "$1" && pwd)
out=$(cd "$(dirname "$0")" && pwd)

# SHA-256 of the raw inputs used for the committed files.
sha256sum --check --strict --quiet - <<EOF
40ed19c57ae523b11393a6d95ff32a98af357ee9f9a0ed13feced6bd570ab974  $raw/password.lst
f422773d94d630f27e08b26d7017e847bb1feb2a84809340e9c0b0c47b33e3f1  $raw/passwords.json
7424d6682301dc86f73b0a5c8c53f0ba4c9f0a41fb2d1cb7e5fe7f8a04f15fb0  $raw/british-english
f3d1c1f55a34eba4e0efc7081a1fa97b4adc3c3817fc11838576f2d4b6243d4e  $raw/word_list_eff_large.go
EOF

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# gz FILE: compress $tmp/FILE reproducibly into $out/FILE.gz.
gz() {
	gzip -9n -c "$tmp/$1" >"$out/$1.gz"
}

# Drops CR characters, then empty lines and lines longer than 64 bytes.
# All inputs are ASCII, so bytes and characters coincide.
clean() {
	tr -d '\r' | awk 'length($0) >= 1 && length($0) <= 64'
}

# defaults.txt.gz
{
	grep -v '^#' "$out/src/mirai-62.tsv" | cut -f2
	grep -v '^#!comment' "$raw/password.lst"
	grep -v '^#' "$out/src/iot-defaults.txt"
} | clean | sort -u >"$tmp/defaults.txt"
gz defaults.txt

# common.txt.gz
jq -r '.[]' "$raw/passwords.json" | tr -d '\r' | tr 'A-Z' 'a-z' |
	awk 'length($0) >= 4 && length($0) <= 64' | sort -u >"$tmp/common.txt"
gz common.txt

# words.txt.gz
grep -x '[A-Za-z]\{3,24\}' "$raw/british-english" | tr 'A-Z' 'a-z' |
	sort -u >"$tmp/words.txt"
gz words.txt

# eff_large.txt.gz: entries look like `11111: "abacus",`; order by the dice
# number, which is the order of the published list.
sed -n 's/^[[:space:]]*\([1-6][1-6][1-6][1-6][1-6]\): "\([^"]*\)",[[:space:]]*$/\1 \2/p' \
	"$raw/word_list_eff_large.go" | sort -k1,1n | cut -d' ' -f2 >"$tmp/eff_large.txt"
n=$(wc -l <"$tmp/eff_large.txt")
if [ "$n" -ne 7776 ] || [ "$(sort -u "$tmp/eff_large.txt" | wc -l)" -ne 7776 ]; then
	echo "eff_large: want 7776 distinct words, got $n lines" >&2
	exit 1
fi
gz eff_large.txt

for f in defaults common words eff_large; do
	printf '%-18s %7d entries %8d bytes\n' "$f.txt.gz" \
		"$(wc -l <"$tmp/$f.txt")" "$(wc -c <"$out/$f.txt.gz")"
done
