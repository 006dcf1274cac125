#!/usr/bin/env python3
"""Turns the raw sources of the training corpus into plain prose, one document per file (see docs/corpus.md).

  corpus_text.py brown BROWN_DIR OUT_DIR       the tagged Brown corpus (files ca01..cr09), one file per text
  corpus_text.py austen BOOKS_DIR OUT_DIR      janeaustenr's books as dumped one line per line, one file per chapter
  corpus_text.py devil DICT_FILE OUT_FILE      The Devil's Dictionary from dict-devil's devil.dict (uncompressed)

Every output is UTF-8 with paragraphs on one line each and a blank line between paragraphs (verse keeps its
lines), so that a line-based trainer such as SentencePiece sees whole paragraphs. Only the standard library
is used and the output depends on nothing but the input bytes, so the corpus is reproducible.
"""
import os
import re
import sys

PARAGRAPH_BREAK = "\n\n"


def write_document(path, paragraphs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(PARAGRAPH_BREAK.join(paragraphs) + "\n")


def single_spaced(line):
    """Old typesetting puts two spaces after a sentence; the corpus uses one everywhere."""
    return re.sub(r"[ \t]+", " ", line).strip()


# ---- Brown: "The/at jury/nn said/vbd ``/`` no/at ''/'' ./." back to 'The jury said "no".' ----

NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", ")", "]", "''", "'"}
NO_SPACE_AFTER = {"(", "[", "``"}
QUOTES = {"``": '"', "''": '"'}


def brown_words(line):
    for token in line.split():
        word, slash, _tag = token.rpartition("/")
        yield word if slash else token


def brown_sentence(words):
    out = []
    glue_next = True  # nothing before the first word
    previous = ""
    for word in words:
        if word == "." and previous.endswith("."):
            continue  # "Jr./np ./." : the abbreviation's period also ends the sentence
        previous = word
        if out and not glue_next and word not in NO_SPACE_BEFORE:
            out.append(" ")
        out.append(QUOTES.get(word, word))
        glue_next = word in NO_SPACE_AFTER
    return "".join(out)


def brown_paragraphs(text):
    """Paragraphs are separated by blank lines; each sentence is one line of tagged words, but a sentence
    line may begin with punctuation that closes the one before, so a paragraph is spaced as a whole."""
    for block in re.split(r"\n\s*\n", text):
        paragraph = brown_sentence(brown_words(block))
        if paragraph:
            yield paragraph


def convert_brown(source_dir, out_dir):
    names = sorted(n for n in os.listdir(source_dir) if re.fullmatch(r"c[a-r]\d\d", n))
    if not names:
        sys.exit(f"corpus_text: no Brown texts (ca01..cr09) in {source_dir}")
    for name in names:
        with open(os.path.join(source_dir, name), encoding="ascii") as f:
            write_document(os.path.join(out_dir, name + ".txt"), list(brown_paragraphs(f.read())))
    print(f"brown: {len(names)} texts")


# ---- Austen: hard-wrapped lines to one file per chapter ----

CHAPTER = re.compile(r"^(CHAPTER|Chapter) +[0-9IVXLC]+\.?$")
VOLUME = re.compile(r"^VOLUME +[0-9IVXLC]+\.?$")


def unwrapped_paragraphs(lines):
    paragraph = []
    for line in lines + [""]:
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            # Underscores mark italics in these Project Gutenberg transcriptions.
            yield single_spaced(" ".join(paragraph)).replace("_", "")
            paragraph = []


def convert_austen(books_dir, out_dir):
    chapters = 0
    for book_file in sorted(os.listdir(books_dir)):
        with open(os.path.join(books_dir, book_file), encoding="utf-8") as f:
            lines = f.read().split("\n")
        book = os.path.splitext(book_file)[0]
        current, number = None, 0
        for line in lines + ["CHAPTER 0"]:  # the sentinel closes the last chapter
            if CHAPTER.match(line.strip()):
                if current is not None:
                    write_document(os.path.join(out_dir, book, f"chapter-{number:02d}.txt"),
                                   list(unwrapped_paragraphs(current)))
                    chapters += 1
                current, number = [], number + 1
            elif current is not None and not VOLUME.match(line.strip()):
                current.append(line)  # the title page before chapter 1 is left out
    print(f"austen: {chapters} chapters")


# ---- The Devil's Dictionary: the entries, unwrapped, verse kept as verse ----

def devil_paragraphs(text):
    start = text.index("PREFACE")  # before it: dictfmt's headers and the transcription's notice
    end = text.rindex("abcdefghijklmnopqrstuvwxyz")  # the dictionary's alphabet entry closes the file
    for block in re.split(r"\n\s*\n", text[start:end]):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        block_text = "\n".join(lines).replace("{", "").replace("}", "")  # {CROSS-REFERENCES}
        if all(line.startswith(" ") for line in lines):  # verse and its attribution
            yield "\n".join(single_spaced(line) for line in block_text.split("\n"))
        else:
            yield single_spaced(" ".join(block_text.split("\n"))).replace("_", "")


def convert_devil(dict_file, out_file):
    with open(dict_file, encoding="utf-8", errors="strict") as f:
        paragraphs = list(devil_paragraphs(f.read()))
    write_document(out_file, paragraphs)
    print(f"devil: {len(paragraphs)} paragraphs")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("brown", "austen", "devil"):
        sys.exit(__doc__)
    {"brown": convert_brown, "austen": convert_austen, "devil": convert_devil}[sys.argv[1]](sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
