"""A small chart drawn with QPainter: reviews per day as bars, accuracy as a line, and upcoming due items.

QtCharts would add the PySide6 add-ons (about 400 MB) for three small charts; this is 80 lines.
"""

from __future__ import annotations

import itertools
from datetime import date

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget


class ProgressChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressChart")
        self.setMinimumHeight(150)
        self.history: list[tuple[date, int, float]] = []
        self.upcoming: list[tuple[date, int]] = []

    def set_data(self, history: list[tuple[date, int, float]], upcoming: list[tuple[date, int]]) -> None:
        self.history, self.upcoming = history, upcoming
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.Text)
        w, h = self.width(), self.height()
        left = QRectF(8, 36, w * 0.64 - 16, h - 60)
        right = QRectF(w * 0.64 + 8, 36, w * 0.36 - 16, h - 60)
        p.setPen(text)
        p.drawText(QPointF(left.left(), 14), "Reviews per day (bars) and accuracy (line), 14 days")
        p.drawText(QPointF(right.left(), 14), "Due in the next 7 days")
        self._bars(p, left, [n for _, n, _ in self.history], QColor("#2f6fd6"), [d.day for d, _, _ in self.history])
        self._bars(p, right, [n for _, n in self.upcoming], QColor("#8e44ad"), [d.day for d, _ in self.upcoming])
        if self.history:
            step = left.width() / len(self.history)
            pen = QPen(QColor("#27ae60"), 2)
            p.setPen(pen)
            points = [QPointF(left.left() + step * (i + 0.5), left.bottom() - acc * left.height())
                      for i, (_, n, acc) in enumerate(self.history) if n]
            for a, b in itertools.pairwise(points):
                p.drawLine(a, b)
            for pt in points:
                p.drawEllipse(pt, 2.5, 2.5)
        p.end()

    def _bars(self, p: QPainter, rect: QRectF, values: list[int], colour: QColor, labels: list[int]) -> None:
        if not values:
            return
        top = max(max(values), 1)
        step = rect.width() / len(values)
        text = self.palette().color(QPalette.ColorRole.Text)
        for i, (v, label) in enumerate(zip(values, labels, strict=True)):
            bar_h = rect.height() * v / top
            bar = QRectF(rect.left() + step * i + step * 0.15, rect.bottom() - bar_h, step * 0.7, bar_h)
            p.fillRect(bar, colour)
            p.setPen(text)
            p.drawText(QRectF(rect.left() + step * i, rect.bottom() + 2, step, 14),
                       Qt.AlignmentFlag.AlignHCenter, str(label))
            if v:
                p.drawText(QRectF(bar.left() - 4, bar.top() - 14, bar.width() + 8, 14),
                           Qt.AlignmentFlag.AlignHCenter, str(v))


class ReviewHeatmap(QWidget):
    """Reviews per day as a calendar of squares, a column a week (Anki's and GitHub's heatmap): the
    darker the square, the more reviews that day."""

    CELL = 11

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewHeatmap")
        self.days: list[tuple[date, int]] = []
        self.setMinimumHeight(7 * (self.CELL + 2) + 24)

    def set_data(self, days: list[tuple[date, int]]) -> None:
        self.days = days
        n = max(len(days), 1)
        self.setToolTip(f"{sum(c for _, c in days)} reviews in the last {n} days")
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.Text)
        p.setPen(text)
        p.drawText(QPointF(8, 14), "Reviews per day, last 26 weeks")
        if not self.days:
            return
        top, most = 22, max((c for _, c in self.days), default=0) or 1
        first = self.days[0][0]
        offset = first.weekday()  # Monday on the top row
        empty = self.palette().color(QPalette.ColorRole.AlternateBase)
        for i, (_d, count) in enumerate(self.days):
            col, row = divmod(i + offset, 7)
            x, y = 8 + col * (self.CELL + 2), top + row * (self.CELL + 2)
            if x + self.CELL > self.width():
                break
            color = QColor("#2f6fd6") if count else empty
            if count:
                color.setAlphaF(0.25 + 0.75 * count / most)
            p.fillRect(QRectF(x, y, self.CELL, self.CELL), color)
