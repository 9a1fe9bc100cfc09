"""The Lessons page under AppTest: a saved result stays hidden until a guess is locked (or the quiz is skipped), only
the first locked guess of a lesson is scored and never a quick-mode one, prompts quote the link's settings, and a
malformed link or a result that cannot be drawn gives a message, not an exception."""
from streamlit.testing.v1 import AppTest

from test_app import no_exceptions, page
from workbench import lessons
from workbench.lessons.base import Outcome
from workbench.lessons.jobs import outcome_key, save_outcome

APP_7 = lessons.get("app.7")
MLP_WINS = {"mlp": {"accuracy": [0.97, 0.98, 0.97, 0.98, 0.97]},
            "logistic": {"accuracy": [0.90, 0.91, 0.90, 0.91, 0.90]}}


def save_app_7(samples: dict, quick: bool = False, **settings) -> Outcome:
    """An app.7 outcome saved under the key the page computes for these settings and mode."""
    seeds = (0,) if quick else tuple(range(APP_7.repeats))
    outcome = Outcome("app.7", samples, quick=quick)
    save_outcome(outcome_key("app.7", quick, seeds, {**APP_7.settings, **settings}), outcome)
    return outcome


def open_lesson(lesson_id: str, mode: str = "full", **query) -> AppTest:
    at = page("lessons")
    at.query_params.update({"lesson": lesson_id, "lang": "en", "mode": mode, **query})
    return no_exceptions(at.run())


def shown_text(at: AppTest) -> str:
    return "\n".join(e.value for kind in ("success", "info", "warning", "markdown", "caption")
                     for e in at.get(kind) if isinstance(e.value, str))


def score(at: AppTest) -> dict:
    return at.session_state["lessons.score"] if "lessons.score" in at.session_state else {}


def lock(at: AppTest, guess: str) -> AppTest:
    at.radio(key=f"lessons.{at.query_params['lesson']}.guess").set_value(guess).run()
    return no_exceptions(at.button(key="lessons.lock").click().run())


def test_a_saved_result_stays_hidden_until_a_guess_is_locked():
    takeaway = APP_7.takeaway(save_app_7(MLP_WINS), "en")
    at = open_lesson("app.7")
    assert takeaway not in shown_text(at) and "Takeaway" not in shown_text(at)
    assert not at.get("plotly_chart") and not at.dataframe, "no figure or number before the guess"
    assert "lock your guess" in shown_text(at)
    assert at.button(key="lessons.run").disabled and at.button(key="lessons.lock").disabled
    at = lock(at, "logistic")
    assert takeaway in shown_text(at) and "Your guess was logistic regression, clearly" in shown_text(at)
    assert not at.button(key="lessons.run").disabled
    assert score(at) == {"app.7": False}


def test_only_the_first_locked_guess_of_a_lesson_is_scored():
    save_app_7(MLP_WINS)
    save_app_7(MLP_WINS, epochs=31)
    at = lock(open_lesson("app.7"), "tie")
    assert score(at) == {"app.7": False}
    assert all(radio.disabled for radio in at.radio if radio.label.startswith("Your prediction"))
    at.query_params["guess"] = "mlp"                # a changed link cannot change the locked guess either
    assert score(no_exceptions(at.run())) == {"app.7": False}
    at.number_input(key="lessons.app.7.epochs").set_value(31).run()     # the same lesson, other settings
    at = lock(at, "mlp")
    assert "Your guess was right" in shown_text(at) and "set by your first locked guess" in shown_text(at)
    assert score(at) == {"app.7": False}


def test_skipping_the_quiz_shows_the_result_and_records_no_score():
    takeaway = APP_7.takeaway(save_app_7(MLP_WINS), "en")
    at = open_lesson("app.7")
    at = no_exceptions(at.button(key="lessons.skip").click().run())
    assert takeaway in shown_text(at) and "Measured: the MLP, clearly" in shown_text(at)
    assert score(at) == {}


def test_quick_mode_results_are_not_scored():
    save_app_7(MLP_WINS, quick=True)
    at = lock(open_lesson("app.7", mode="quick"), "mlp")
    assert "Quick mode: not scored." in shown_text(at)
    assert score(at) == {}


def test_the_prompt_quotes_the_settings_from_the_link():
    at = open_lesson("data.3", **{"s.keep_share": "0.25", "s.rare_class": "3"})
    label = at.radio(key="lessons.data.3.guess").label
    assert "Digit 3 keeps only 25% of its training examples" in label


def test_malformed_link_settings_warn_and_fall_back_to_the_default():
    at = open_lesson("data.3", **{"s.keep_share": "abc", "s.epochs": "2.5", "lang": "fr"})
    warnings = " ".join(w.value for w in at.warning)
    assert "keep_share was ignored (expected a number" in warnings and "using the default, 0.05" in warnings
    assert "epochs was ignored (expected a whole number" in warnings
    assert at.number_input(key="lessons.data.3.keep_share").value == 0.05
    assert at.number_input(key="lessons.data.3.epochs").value == 5
    at = open_lesson("concept.2", **{"s.sizes": "[16, oops", "s.lr": "-4"})
    assert at.text_input(key="lessons.concept.2.sizes").value == "[100, 300, 1000]"
    assert at.number_input(key="lessons.concept.2.lr").value == 1e-4 and len(at.warning) == 2


def test_a_result_that_cannot_be_drawn_shows_a_message():
    save_app_7({"mlp": MLP_WINS["mlp"]})        # no logistic-regression numbers: the takeaway cannot compare
    at = open_lesson("app.7")
    at = no_exceptions(at.button(key="lessons.skip").click().run())
    assert any("The result could not be drawn" in e.value for e in at.error)
