"""One progress type for uploads and downloads, and one bar that draws both."""

import io

from openai_files import Progress, ProgressBar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _draw(events: list[Progress], label: str) -> list[str]:
    stream = _Terminal()
    bar = ProgressBar(label, stream=stream, width=10)
    for event in events:
        bar(event)
    drawn = stream.getvalue().split("\r")[1:]
    assert drawn[-1].endswith("\n") and "\n" not in "".join(drawn[:-1])  # one line, ended once
    return [line.rstrip() for line in drawn]  # a redraw pads over a longer previous line


def test_bar_draws_an_upload_with_parts() -> None:
    lines = _draw([Progress(0, 200, 0, 2), Progress(200, 200, 2, 2)], "upload")

    assert lines[0].startswith("upload [..........]   0.0% 0.0/0.0 MB")
    assert lines[-1].startswith("upload [##########] 100.0% 0.0/0.0 MB")
    assert lines[-1].endswith(" parts 2/2")


def test_bar_draws_a_download_as_one_part() -> None:
    size = 3_000_000
    lines = _draw([Progress(1_000_000, size, 0, 1), Progress(size, size, 1, 1)], "download")

    assert lines[0].startswith("download [###.......]  33.3% 1.0/3.0 MB")
    assert lines[-1].startswith("download [##########] 100.0% 3.0/3.0 MB")
    assert "parts" not in lines[-1] and lines[-1].endswith("MB/s")


def test_bar_without_a_known_size_shows_bytes_and_rate() -> None:
    lines = _draw([Progress(2_000_000, None, 0, 1), Progress(2_500_000, None, 1, 1)], "download")

    assert lines[-1].startswith("download 2.5 MB ") and lines[-1].endswith("MB/s")
    assert "[" not in "".join(lines)


def test_off_a_terminal_only_the_final_line_is_written() -> None:
    """A log file or a pipe gets one plain line, no `\\r` redraws."""
    stream = io.StringIO()
    bar = ProgressBar("upload", stream=stream, width=10)
    for event in (Progress(0, 200, 0, 2), Progress(100, 200, 1, 2), Progress(200, 200, 2, 2)):
        bar(event)

    assert "\r" not in stream.getvalue()
    [line] = stream.getvalue().splitlines()
    assert line.startswith("upload [##########] 100.0% ") and line.endswith(" parts 2/2")


def test_only_the_last_event_finishes() -> None:
    assert not Progress(5, 10, 0, 1).finished
    assert Progress(10, 10, 1, 1).finished
    assert Progress(0, 0, 0, 0).finished


def test_show_draws_work_counted_in_anything() -> None:
    """A batch job counts requests: the same bar, its own words after the percent."""
    stream = _Terminal()
    bar = ProgressBar("job j", stream=stream, width=10)
    bar.show("requests 5/10", fraction=0.5)
    bar.show("requests 10/10", fraction=1.0, finished=True)

    drawn = [line.rstrip() for line in stream.getvalue().split("\r")[1:]]
    assert drawn == ["job j [#####.....]  50.0% requests 5/10", "job j [##########] 100.0% requests 10/10"]
