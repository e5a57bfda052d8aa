package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.text.ChatMessage;
import dev.iris.plugins.model.VisionLanguageModel.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in headless Chromium: key, a chat of two turns with an image in the first, a second
 * image in a third turn, a report of the first answer, "New chat", then a chat whose image comes in
 * its second turn.
 */
class WebPageTest {
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final String KEY = "page-key";
    static IrisServer server;
    static MultiTurnTest.Recording engine;
    static WebDriver driver;
    static Path profile, imageFile;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "web page test skipped: Chromium is not installed (needs " + CHROMIUM + " and " + CHROMEDRIVER
                        + "; on Debian: apt-get install -y chromium chromium-driver)");
        engine = new MultiTurnTest.Recording();
        server = TinyModel.serve(ServeConfig.DEFAULTS.withApiKey(KEY), engine);
        server.reports(new dev.iris.report.ReportService(TinyModel.model(), TinyModel.config(), "test"));
        profile = Files.createTempDirectory("iris-chromium-");
        Files.createDirectories(profile.resolve("downloads"));
        imageFile = profile.resolve("disc.png");
        Files.write(imageFile, TinyModel.png());
        ChromeOptions options = new ChromeOptions();
        options.setExperimentalOption("prefs", java.util.Map.of("download.default_directory", profile.resolve("downloads").toString(),
                "download.prompt_for_download", false));
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile.resolve("profile"), "--window-size=1200,900");
        // the driver is named explicitly, so Selenium Manager never looks for (or downloads) one
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (driver != null) driver.quit();
        if (server != null) server.stop();
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aChatWithAnImageInTheFirstTurnNewChatAndTheFirstAnswersReport() throws Exception {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        JavascriptExecutor js = (JavascriptExecutor) driver;
        driver.get("http://127.0.0.1:" + server.port() + "/");
        assertThat(driver.getTitle()).isEqualTo("Iris");

        // the server wants a key: the page asks for it and keeps it
        WebElement keyPanel = driver.findElement(By.id("key-panel"));
        wait.until(d -> keyPanel.isDisplayed());
        driver.findElement(By.id("api-key")).sendKeys(KEY);
        driver.findElement(By.cssSelector("#key-form button[type=submit]")).click();
        wait.until(d -> !keyPanel.isDisplayed());
        wait.until(d -> d.findElement(By.id("server-state")).getText().equals("ready"));
        assertThat(driver.findElement(By.id("model-name")).getText()).isEqualTo("iris");
        assertThat(js.executeScript("return localStorage.getItem('iris.apiKey')")).isEqualTo(KEY);
        assertThat(driver.findElement(By.id("empty-chat")).isDisplayed()).isTrue();

        // turn 1: an image and a question
        driver.findElement(By.id("image-input")).sendKeys(imageFile.toAbsolutePath().toString());
        WebElement preview = driver.findElement(By.id("preview"));
        wait.until(d -> preview.isDisplayed());
        assertThat(preview.getAttribute("src")).startsWith("data:image/png;base64,");
        WebElement prompt = driver.findElement(By.id("prompt"));
        prompt.sendKeys("Describe the image.");
        WebElement temperature = driver.findElement(By.id("temperature"));
        temperature.click();
        temperature.sendKeys(Keys.HOME);
        for (int i = 0; i < 10; i++) temperature.sendKeys(Keys.ARROW_RIGHT);   // 1.0: sampled text, not greedy newlines
        assertThat(driver.findElement(By.id("temperature-value")).getText()).isEqualTo("1.0");
        WebElement maxTokens = driver.findElement(By.id("max-tokens"));
        maxTokens.clear();
        maxTokens.sendKeys("32");

        // count how often the history changes: streamed text arrives in several pieces
        js.executeScript("window.__updates = 0; new MutationObserver(() => window.__updates++)"
                + ".observe(document.getElementById('history'), {childList: true, characterData: true, subtree: true});");
        driver.findElement(By.id("send")).click();
        String first = awaitAnswer(wait, 1);
        assertThat(((Number) js.executeScript("return window.__updates")).intValue()).isGreaterThan(3);
        assertThat(preview.isDisplayed()).as("the image moved into the history").isFalse();
        assertThat(prompt.getAttribute("value")).isEmpty();
        Request one = engine.last.get();
        assertThat(one.messages()).containsExactly(ChatMessage.user("Describe the image."));
        assertThat(one.imageMessages()).containsExactly(0);

        // turn 2, sent from the keyboard: no new image, the whole history goes with it
        prompt.sendKeys("What colour is the disc?");
        prompt.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
        awaitAnswer(wait, 2);
        Request two = engine.last.get();
        assertThat(two.messages()).containsExactly(ChatMessage.user("Describe the image."), ChatMessage.assistant(first),
                ChatMessage.user("What colour is the disc?"));
        assertThat(two.imageMessages()).as("the image stays in the turn it was attached to").containsExactly(0);

        // the history shows both turns: the image with the first question, the answers in order
        List<WebElement> turns = driver.findElements(By.cssSelector("#history > li"));
        assertThat(turns).hasSize(4);
        assertThat(turns.get(0).getText()).contains("Describe the image.");
        assertThat(turns.get(0).findElement(By.tagName("img")).getAttribute("src")).startsWith("data:image/png;base64,");
        assertThat(turns.get(0).findElement(By.tagName("img")).getAttribute("alt")).contains("disc.png");
        assertThat(turns.get(2).getText()).contains("What colour is the disc?");
        assertThat(turns.get(2).findElements(By.tagName("img"))).isEmpty();
        assertThat(driver.findElements(By.cssSelector("#history .usage")).get(1).getText()).matches("\\d+ prompt \\+ \\d+ answer tokens.*");
        assertThat(driver.findElement(By.id("empty-chat")).isDisplayed()).isFalse();
        WebElement message = driver.findElement(By.id("message"));
        assertThat(message.isDisplayed()).isFalse();

        // a second image in the same chat goes with the turn it is attached to; the first stays in its own
        driver.findElement(By.id("image-input")).sendKeys(imageFile.toAbsolutePath().toString());
        wait.until(d -> preview.isDisplayed());
        assertThat(message.isDisplayed()).isFalse();
        prompt.sendKeys("And this one?");
        driver.findElement(By.id("send")).click();
        awaitAnswer(wait, 3);
        Request three = engine.last.get();
        assertThat(three.messages()).hasSize(5);
        assertThat(three.imageMessages()).as("one image in turn 1, one in turn 3").containsExactly(0, 4);
        assertThat(driver.findElements(By.cssSelector("#history > li")).get(4).findElements(By.tagName("img"))).hasSize(1);

        // the report button of the first answer: a PDF of that answer with its question
        List<WebElement> reports = driver.findElements(By.cssSelector("#history .report"));
        assertThat(reports).hasSize(3);
        assertThat(reports.get(1).isEnabled()).as("the second answer saw the image too").isTrue();
        assertThat(reports.get(0).getAttribute("aria-label")).isEqualTo("Download PDF report of answer 1");
        reports.get(0).click();
        Path pdf = profile.resolve("downloads").resolve("iris-report-1.pdf");
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> Files.isRegularFile(pdf) && pdf.toFile().length() > 1000);
        Thread.sleep(200);   // let Chromium finish renaming its partial download
        try (var doc = org.apache.pdfbox.Loader.loadPDF(pdf.toFile())) {
            String text = new org.apache.pdfbox.text.PDFTextStripper().getText(doc).replaceAll("\\s+", " ");
            assertThat(text).contains("Describe the image.").contains("not a diagnosis").doesNotContain("What colour is the disc?");
            String firstWords = first.strip().replaceAll("\\s+", " ");
            if (firstWords.length() > 12) firstWords = firstWords.substring(0, 12);
            assertThat(text).contains(firstWords.strip());
        }
        // for people to look at: target/web-page.png
        Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "web-page.png"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        // "New chat" clears the history, the message and the image; a new image is welcome again
        driver.findElement(By.id("new-chat")).click();
        wait.until(d -> d.findElements(By.cssSelector("#history > li")).isEmpty());
        assertThat(driver.findElement(By.id("empty-chat")).isDisplayed()).isTrue();
        assertThat(message.isDisplayed()).isFalse();
        assertThat(driver.switchTo().activeElement()).isEqualTo(prompt);
        // a new chat may bring its image in a later turn: here the second
        prompt.sendKeys("Hello.");
        driver.findElement(By.id("send")).click();
        String hello = awaitAnswer(wait, 1);
        assertThat(engine.last.get().messages()).containsExactly(ChatMessage.user("Hello."));
        assertThat(engine.last.get().images()).isEmpty();
        driver.findElement(By.id("image-input")).sendKeys(imageFile.toAbsolutePath().toString());
        wait.until(d -> preview.isDisplayed());
        assertThat(message.isDisplayed()).as("the first image of this chat is welcome").isFalse();
        prompt.sendKeys("Describe it.");
        driver.findElement(By.id("send")).click();
        awaitAnswer(wait, 2);
        assertThat(engine.last.get().messages()).containsExactly(ChatMessage.user("Hello."), ChatMessage.assistant(hello), ChatMessage.user("Describe it."));
        assertThat(engine.last.get().imageMessages()).containsExactly(2);
        List<WebElement> newTurns = driver.findElements(By.cssSelector("#history > li"));
        assertThat(newTurns).hasSize(4);
        assertThat(newTurns.get(0).findElements(By.tagName("img"))).isEmpty();
        assertThat(newTurns.get(2).findElements(By.tagName("img"))).hasSize(1);
        // a report shows findings on an image: the answer given before the image came has none to offer
        reports = driver.findElements(By.cssSelector("#history .report"));
        assertThat(reports.get(0).isEnabled()).isFalse();
        assertThat(reports.get(0).getText()).contains("needs an image");
        assertThat(reports.get(1).isEnabled()).isTrue();
    }

    /** Waits for answer {@code n} to finish streaming; returns its text (not empty). */
    private static String awaitAnswer(WebDriverWait wait, int n) {
        By answer = By.id("answer-" + n);
        wait.until(d -> !d.findElements(answer).isEmpty() && "done".equals(d.findElement(answer).getAttribute("data-state"))
                || d.findElement(By.id("message")).isDisplayed());
        assertThat(driver.findElement(answer).getAttribute("data-state")).as(driver.findElement(By.id("message")).getText()).isEqualTo("done");
        String text = (String) ((JavascriptExecutor) driver).executeScript("return document.getElementById('answer-" + n + "').textContent");
        assertThat(text).isNotEmpty();
        return text;
    }
}
