package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
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

/** The web page in headless Chromium: key, image upload, prompt, streamed answer, report error. */
class WebPageTest {
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final String KEY = "page-key";
    static IrisServer server;
    static WebDriver driver;
    static Path profile, imageFile;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "web page test skipped: Chromium is not installed (needs " + CHROMIUM + " and " + CHROMEDRIVER
                        + "; on Debian: apt-get install -y chromium chromium-driver)");
        server = TinyModel.serve(ServeConfig.DEFAULTS.withApiKey(KEY));
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
    void uploadAskAndReadTheStreamedAnswer() throws Exception {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
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

        driver.findElement(By.id("image-input")).sendKeys(imageFile.toAbsolutePath().toString());
        WebElement preview = driver.findElement(By.id("preview"));
        wait.until(d -> preview.isDisplayed());
        assertThat(preview.getAttribute("src")).startsWith("data:image/png;base64,");

        driver.findElement(By.id("prompt")).sendKeys("Describe the image.");
        WebElement temperature = driver.findElement(By.id("temperature"));
        temperature.click();
        temperature.sendKeys(Keys.HOME);
        for (int i = 0; i < 10; i++) temperature.sendKeys(Keys.ARROW_RIGHT);   // 1.0: sampled text, not greedy newlines
        assertThat(driver.findElement(By.id("temperature-value")).getText()).isEqualTo("1.0");
        WebElement maxTokens = driver.findElement(By.id("max-tokens"));
        maxTokens.clear();
        maxTokens.sendKeys("48");

        // count how often the answer changes: streamed text arrives in several pieces
        js.executeScript("window.__updates = 0; new MutationObserver(() => window.__updates++)"
                + ".observe(document.getElementById('answer'), {childList: true, characterData: true, subtree: true});");
        driver.findElement(By.id("send")).click();
        WebElement answer = driver.findElement(By.id("answer"));
        wait.until(d -> !"streaming".equals(answer.getAttribute("data-state")) && !"idle".equals(answer.getAttribute("data-state")));
        assertThat(answer.getAttribute("data-state")).as(driver.findElement(By.id("message")).getText()).isEqualTo("done");
        assertThat((String) js.executeScript("return document.getElementById('answer').textContent")).isNotEmpty();
        assertThat(((Number) js.executeScript("return window.__updates")).intValue()).isGreaterThan(2);
        assertThat(driver.findElement(By.id("usage")).getText()).matches("\\d+ prompt \\+ \\d+ answer tokens.*");
        assertThat(driver.findElement(By.id("message")).isDisplayed()).isFalse();

        // the report button downloads a PDF of this exchange: the prompt and the answer shown
        String shown = (String) js.executeScript("return document.getElementById('answer').textContent");
        WebElement report = driver.findElement(By.id("report"));
        assertThat(report.isEnabled()).isTrue();
        report.click();
        Path pdf = profile.resolve("downloads").resolve("iris-report.pdf");
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> Files.isRegularFile(pdf) && pdf.toFile().length() > 1000);
        Thread.sleep(200);   // let Chromium finish renaming its partial download
        try (var doc = org.apache.pdfbox.Loader.loadPDF(pdf.toFile())) {
            String text = new org.apache.pdfbox.text.PDFTextStripper().getText(doc).replaceAll("\\s+", " ");
            assertThat(text).contains("Describe the image.").contains("not a diagnosis");
            String firstWords = shown.strip().replaceAll("\\s+", " ");
            if (firstWords.length() > 12) firstWords = firstWords.substring(0, 12);
            assertThat(text).contains(firstWords.strip());
        }
        assertThat(driver.findElement(By.id("message")).isDisplayed()).isFalse();
        // for people to look at: target/web-page.png
        Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "web-page.png"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
