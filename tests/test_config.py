"""config: site.toml is checked once at the edge, and --images replaces its gallery."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from cnn_explainer.config import UI_STRINGS, load_config, samples_from_paths, slug
from cnn_explainer.errors import InputError

REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"


def _content(tmp_path: Path, toml: str, images: tuple[str, ...] = ("a.png",)) -> Path:
    for name in images:
        (tmp_path / name).write_bytes(b"not read here")
    strings = "\n".join(f'{key} = "{key}"' for key in UI_STRINGS)
    (tmp_path / "site.toml").write_text(toml + f"\n[strings.en]\n{strings}\n")
    return tmp_path


def _picture(path: Path) -> Path:
    """A small real image (--images files are opened to check they are usable)."""
    from PIL import Image
    Image.new("RGB", (8, 8), (200, 30, 30)).save(path, format="JPEG" if path.suffix.lower() in (".jpg", ".jpeg")
                                                  else None)
    return path


VALID = 'title = "T"\nlanguages = ["en"]\n[[samples]]\nid = "a"\npath = "a.png"\n'


def test_repository_content_is_valid():
    config = load_config(REPO_CONTENT)
    assert [s.id for s in config.samples] == ["lifeboat", "ladybug", "pizza", "bell_pepper", "school_bus", "koala",
                                              "espresso", "red_panda", "orange", "sports_car"]
    assert config.default_sample == "espresso" and config.languages[0] == "en"


def test_minimal_config_defaults(tmp_path):
    config = load_config(_content(tmp_path, VALID))
    assert config.default_sample == "a" and config.samples[0].title == "a"


@pytest.mark.parametrize(("toml", "message"), [
    ('title = "T"\nlanguages = ["en"]\n', "'samples' must be"),
    (VALID.replace('"a.png"', '"missing.png"'), "no such image file"),
    (VALID.replace('id = "a"', 'id = "../x"'), "must match"),
    (VALID.replace('languages = ["en"]', 'languages = ["English"]'), "language codes"),
    (VALID.replace('title = "T"', "title = 3"), "'title' must be a str"),
    (VALID + "[[samples]]\nid = \"a\"\npath = \"a.png\"\n", "unique"),
    ("title = ", "invalid TOML"),
], ids=["no samples", "missing image", "bad id", "bad language", "bad title", "duplicate id", "syntax"])
def test_bad_config_is_one_clear_error(tmp_path, toml, message):
    with pytest.raises(InputError, match=message) as info:
        load_config(_content(tmp_path, toml))
    assert info.value.source.endswith(("site.toml", "missing.png"))


def test_missing_ui_string_is_named(tmp_path):
    """A language the bundled site.toml does not have must bring every string itself."""
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "site.toml").write_text(VALID.replace('["en"]', '["fr"]') + '[strings.fr]\ncontrols = "c"\n')
    with pytest.raises(InputError, match="lacks gallery"):
        load_config(tmp_path)


def test_a_bundled_language_takes_the_strings_its_table_lacks_from_the_bundled_site_toml(tmp_path):
    """A project made by `new` before a string existed still builds: the string comes in the tool's own words,
    and what the project wrote itself wins."""
    bundled = tomllib.loads((REPO_CONTENT / "site.toml").read_text(encoding="utf-8"))["strings"]
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "site.toml").write_text(VALID.replace('["en"]', '["en", "zh"]') +
                                        '[strings.en]\ncontrols = "Mine"\n[strings.zh]\n')
    config = load_config(tmp_path)
    assert config.strings["en"]["controls"] == "Mine"
    assert config.strings["en"]["gallery"] == bundled["en"]["gallery"]
    assert config.strings["zh"] == {key: str(value) for key, value in bundled["zh"].items()}


def test_images_replace_the_gallery_with_unique_ids(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name in ("B c.JPG", "a.png"):
        _picture(folder / name)
    (folder / "notes.txt").write_bytes(b"")
    _picture(tmp_path / "a.jpeg")
    samples = samples_from_paths([folder, tmp_path / "a.jpeg"])
    assert [(s.id, s.title) for s in samples] == [("b-c", "B c"), ("a", "a"), ("a-2", "a")]
    config = load_config(_content(tmp_path, VALID.replace("a.png", "x.png"), ("x.png",)), [folder])
    assert [s.id for s in config.samples] == ["b-c", "a"] and config.default_sample == "b-c"


@pytest.mark.parametrize(("toml_value", "flag", "expected"), [
    (None, None, ""), ('"https://a.github.io/x/"', None, "https://a.github.io/x/"),
    ('"https://a.github.io/x/"', "http://localhost:8000/", "http://localhost:8000/"),
], ids=["none", "toml", "flag wins"])
def test_base_url_from_toml_or_flag(tmp_path, toml_value, flag, expected):
    toml = VALID if toml_value is None else f"base_url = {toml_value}\n" + VALID
    assert load_config(_content(tmp_path, toml), base_url=flag).base_url == expected


@pytest.mark.parametrize("bad", ["github.io/x/", "https://a.github.io/x", "javascript:alert(1)/"])
def test_bad_base_url_is_refused(tmp_path, bad):
    with pytest.raises(InputError, match="base URL"):
        load_config(_content(tmp_path, VALID), base_url=bad)


@pytest.mark.parametrize("path", ["missing", "empty"])
def test_bad_images_argument(tmp_path, path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError):
        samples_from_paths([tmp_path / path])


@pytest.mark.parametrize(("stem", "expected"), [("Espresso_1", "espresso_1"), ("a b", "a-b"), ("☕", "image")])
def test_slug(stem, expected):
    assert slug(stem) == expected


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize(("toml", "fragment", "message"), [
    (VALID.replace('title = "T"\n', 'title = "T"\nnote = 1\ntitle = "U"\n'), 'title = "U"',
     "invalid TOML: Cannot overwrite a value"),
    (VALID.replace('id = "a"', 'id = "a" "b"'), 'id = "a" "b"', "invalid TOML"),
    (VALID.replace('title = "T"', "title = 3"), "title = 3", "'title' must be a str, got 3"),
    (VALID.replace('languages = ["en"]', 'languages = ["English"]'), "languages =", "'languages' must list"),
    (VALID + '[[samples]]\nid = "B/../c"\npath = "a.png"\n', 'id = "B/../c"', "sample id 'B/../c' must match"),
    (VALID + '[[samples]]\nid = "b"\npath = 7\n', "path = 7", "'path' must be a str, got 7"),
    (VALID + '[[samples]]  # the second\nid = "b"\n', "# the second", "missing 'path'"),  # its table
], ids=["duplicate-key", "syntax", "title-type", "languages", "second-sample-id", "path-type", "missing-path"])
def test_site_toml_errors_name_the_line_and_key(tmp_path, toml, fragment, message):
    folder = _content(tmp_path, toml)
    text = (folder / "site.toml").read_text()
    with pytest.raises(InputError) as info:
        load_config(folder)
    assert str(info.value).startswith(f"{folder / 'site.toml'}: line {_line_of(text, fragment)}: ")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_non_utf8_site_toml_names_the_line(tmp_path):
    folder = _content(tmp_path, "")
    (folder / "site.toml").write_bytes(VALID.replace('id = "a"', 'id = "caf\xe9"').encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_config(folder)
    assert str(info.value) == f"{folder / 'site.toml'}: line 4: not UTF-8 text"  # the line of the first bad byte


def test_unterminated_toml_points_at_the_last_line(tmp_path):
    folder = _content(tmp_path, "")
    (folder / "site.toml").write_text('title = "T"\nlanguages = ["en",\n')
    with pytest.raises(InputError, match=r"site.toml: line 2: invalid TOML: .*\(at the end of the file\)"):
        load_config(folder)


def test_missing_ui_strings_point_at_their_table(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "site.toml").write_text(VALID.replace('["en"]', '["fr"]') + '\n[strings.fr]\ncontrols = "c"\n')
    with pytest.raises(InputError, match=r"site.toml: line 7: \[strings.fr\] lacks gallery"):
        load_config(tmp_path)


def _photos(folder: Path, *names: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name in names:
        _picture(folder / name)
    return folder


def test_images_titles_read_like_words(tmp_path):
    folder = _photos(tmp_path / "p", "boat_1.jpeg", "school_bus_2.png", "t-shirt.png")
    assert {s.id: s.title for s in samples_from_paths([folder])} == {
        "boat_1": "boat 1", "school_bus_2": "school bus 2", "t-shirt": "t-shirt"}


def test_an_images_manifest_gives_titles_and_order(tmp_path):
    folder = _photos(tmp_path / "p", "a.png", "b.png", "c.png", "d.png")
    (folder / "images.toml").write_text(
        '[[images]]\nfile = "c.png"\ntitle = "lifeboat"\n\n[[images]]\nfile = "a.png"\n', encoding="utf-8")
    samples = samples_from_paths([folder])
    assert [(s.id, s.title) for s in samples] == [("c", "lifeboat"), ("a", "a"), ("b", "b"), ("d", "d")]


@pytest.mark.parametrize(("manifest", "message"), [
    ('[[images]]\nfile = "zzz.png"\n', "line 2: no image 'zzz.png' in this folder"),
    ('[[images]]\nfile = "a.png"\n[[images]]\nfile = "a.png"\n', "line 4: 'a.png' is listed twice"),
    ('[[images]]\nfile = "a.png"\ntitle = 3\n', "line 3: 'title' must be a non-empty string"),
    ('[[images]]\ntitle = "x"\n', "missing 'file'"),
    ('default = "a"\n', "line 1: unknown key 'default'"),
    ('[[images]\n', "invalid TOML"),
], ids=["unknown file", "twice", "bad title", "no file", "unknown key", "syntax"])
def test_a_bad_images_manifest_is_one_error_naming_its_line(tmp_path, manifest, message):
    folder = _photos(tmp_path / "p", "a.png")
    (folder / "images.toml").write_text(manifest, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        samples_from_paths([folder])
    assert info.value.source.endswith("images.toml")


def test_default_sample_flag_chooses_the_first_image_shown(tmp_path):
    folder = _photos(tmp_path / "p", "boat_1.jpeg", "car_1.jpeg")
    content = _content(tmp_path, VALID.replace("a.png", "x.png"), ("x.png",))
    assert load_config(content, [folder], default_sample="car_1").default_sample == "car_1"
    assert load_config(content, [folder]).default_sample == "boat_1"
    with pytest.raises(InputError, match="no sample 'car' in the gallery \\(boat_1, car_1\\)"):
        load_config(content, [folder], default_sample="car")


@pytest.mark.parametrize(("value", "expected"), [
    (None, ""), ('""', ""), ('"https://github.com/you/cnn-explainer"', "https://github.com/you/cnn-explainer"),
], ids=["absent", "empty", "set"])
def test_repository_link_from_site_toml(tmp_path, value, expected):
    toml = VALID if value is None else f"repository = {value}\n" + VALID
    assert load_config(_content(tmp_path, toml)).repository == expected


@pytest.mark.parametrize("bad", ['"javascript:alert(1)"', '"github.com/x"', "3"])
def test_a_bad_repository_is_refused_with_its_line(tmp_path, bad):
    with pytest.raises(InputError, match="line 1: 'repository' must be an http"):
        load_config(_content(tmp_path, f"repository = {bad}\n" + VALID))
