"""The help browser, opened as a user would: from the palette (right-click, F1), from the inspector ("?" button,
F1), from the Help menu, and from the glossary links on the Train and Evaluate pages; its links and search."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from tests.gui.editor_driving import LEFT, click_node, menu_action
from workbench.core.help import GLOSSARY, glossary_topic, layer_topic
from workbench.gui.help.browser import HelpBrowser
from workbench.gui.help.glossary_links import GlossaryLinks


def browser_of(window) -> HelpBrowser:
    browser = window.findChild(HelpBrowser, "help_browser")
    assert browser is not None and browser.isVisible()
    return browser


def test_right_click_on_a_palette_layer_offers_its_help(qtbot, window):
    palette = window.design.palette
    item = palette.items["Conv2d"]
    point = palette.tree.visualItemRect(item).center()
    chosen = []

    def choose_help():
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        action = next(a for a in menu.actions() if a.text() == "Help on Conv2d")
        chosen.append(action.text())
        menu.setActiveAction(action)
        QTest.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(100, choose_help)
    viewport = palette.tree.viewport()  # what a right-click sends
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                                                       viewport.mapToGlobal(point)))
    browser = browser_of(window)
    assert chosen and browser.topic == layer_topic("Conv2d")
    assert "Slides small learned windows" in browser.page.toPlainText()
    assert "Kernel size" in browser.page.toPlainText()


def test_f1_on_a_palette_layer_opens_its_page(qtbot, window):
    palette = window.design.palette
    item = palette.items["Dropout"]
    qtbot.mouseClick(palette.tree.viewport(), LEFT, pos=palette.tree.visualItemRect(item).center())
    assert palette.tree.hasFocus()
    QTest.keyClick(palette.tree, Qt.Key.Key_F1)
    assert browser_of(window).topic == layer_topic("Dropout")


def test_the_inspector_button_and_f1_open_the_selected_layers_page(qtbot, window):
    click_node(window, "pool1")
    inspector = window.design.inspector
    assert inspector.help_button.isVisible() and "MaxPool2d" in inspector.help_button.text()
    qtbot.mouseClick(inspector.help_button, LEFT)
    browser = browser_of(window)
    assert browser.topic == layer_topic("MaxPool2d")
    browser.close()
    click_node(window, "dense1")
    window.design.view.setFocus()
    window.activateWindow()
    QTest.keyClick(window.design.view, Qt.Key.Key_F1)
    assert browser_of(window).topic == layer_topic("Dense")


def test_the_help_menu_opens_the_index_and_search_narrows_it(qtbot, window):
    menu_action(window, "Help", "Workbench Help").trigger()
    browser = browser_of(window)
    assert set(browser.items) >= {layer_topic("Conv2d"), glossary_topic("loss")}
    QTest.keyClicks(browser.search, "overfitting")
    visible = browser.visible_topics()
    assert glossary_topic("overfitting") in visible and layer_topic("Dropout") in visible
    assert layer_topic("Conv2d") not in visible
    QTest.keyClick(browser.search, Qt.Key.Key_Return)
    assert browser.topic == glossary_topic("overfitting")
    browser.index.setCurrentItem(browser.items[layer_topic("Dropout")])
    assert browser.topic == layer_topic("Dropout")


def test_a_link_in_a_page_opens_its_entry(qtbot, window):
    menu_action(window, "Help", "Workbench Help").trigger()
    browser = browser_of(window)
    browser.show_topic(glossary_topic("precision"))
    browser.page.anchorClicked.emit(QUrl(glossary_topic("recall")))
    assert browser.topic == glossary_topic("recall") and browser.index.currentItem() is browser.items[browser.topic]
    browser.page.anchorClicked.emit(QUrl(glossary_topic("f1")))
    qtbot.mouseClick(browser.back_button, LEFT)
    assert browser.topic == glossary_topic("recall") and browser.index.currentItem() is browser.items[browser.topic]
    QTest.keyClick(browser.page, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert browser.topic == glossary_topic("precision") and "Of all the samples the network put" in \
        browser.page.toPlainText()
    browser.show_topic(layer_topic("Dense"))
    browser.activateWindow()
    qtbot.waitUntil(browser.isActiveWindow)
    QTest.keyClick(browser.search, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # from the search box too
    assert browser.topic == glossary_topic("precision") and browser.history == [glossary_topic("loss")]


def test_glossary_links_on_the_train_and_evaluate_pages_open_the_right_entry(qtbot, window):
    for title, expected in (("Train", {"loss", "learning_rate", "epoch", "overfitting"}),
                            ("Evaluate", {"accuracy", "precision", "recall", "f1", "confusion_matrix"})):
        window.tabs.setCurrentWidget(window.pages[title])
        links = window.pages[title].page.findChild(GlossaryLinks)
        qtbot.waitUntil(links.isVisible)
        assert expected <= set(links.keys)
        for key in sorted(expected):
            label = links.links[key]
            qtbot.mouseClick(label, LEFT, pos=label.rect().center())
            browser = browser_of(window)
            assert browser.topic == glossary_topic(key)
            assert GLOSSARY[key].title in browser.page.toPlainText()
