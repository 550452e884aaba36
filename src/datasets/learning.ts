/**
 * Learning platform: study sessions of students. A session opens the app, works through a few
 * lessons (started → maybe completed, with XP and time spent) and sometimes takes a quiz.
 * Students have a class, a main course and an ability that drives their quiz scores.
 */
import { Categorical, zipfWeights } from './categorical.js';
import { clamp } from './random.js';
import type { DatasetSpec, EmitContext, Episode } from './spec.js';

const COURSES: ReadonlyArray<readonly [course: string, subject: string]> = [
  ['algebra-1', 'math'], ['python-basics', 'programming'], ['english-grammar', 'english'], ['biology', 'science'],
  ['geometry', 'math'], ['spanish-a1', 'languages'], ['world-history', 'history'], ['chemistry', 'science'],
  ['javascript', 'programming'], ['physics', 'science'], ['creative-writing', 'english'], ['statistics', 'math'],
  ['french-a1', 'languages'], ['calculus', 'math'], ['drawing', 'art'], ['music-theory', 'music'],
  ['economics', 'social-studies'], ['web-design', 'programming'], ['german-a1', 'languages'], ['astronomy', 'science'],
  ['ancient-rome', 'history'], ['data-science', 'programming'], ['poetry', 'english'], ['photography', 'art'],
];
const LESSONS_PER_COURSE = 20;
const PLATFORMS = new Categorical(['web', 'ios', 'android'], [55, 25, 20]);
const STUDENTS_PER_CLASS = 40;

// Salts of per-student traits.
const T_CLASS = 1;
const T_COURSE = 2;
const T_PLATFORM = 3;
const T_ABILITY = 4;

const SEC = 1000;

function learningEpisode(ctx: EmitContext): Episode {
  const { rng, actors } = ctx;
  const courses = new Categorical(COURSES, zipfWeights(COURSES.length, 1));
  // Early lessons of a course are taken far more often than late ones: learners drop off.
  const lessonIndex = new Categorical(Array.from({ length: LESSONS_PER_COURSE }, (_, i) => i), zipfWeights(LESSONS_PER_COURSE, 0.6));
  const lessonNames = COURSES.map(([c]) => Array.from({ length: LESSONS_PER_COURSE }, (_, i) => `${c}-${String(i + 1).padStart(2, '0')}`));
  const classCount = clamp(Math.ceil(actors.size / STUDENTS_PER_CLASS), 4, 5000);
  const classes = Array.from({ length: classCount }, (_, i) => `class-${String(i + 1).padStart(3, '0')}`);

  return (t, rank) => {
    const actor = actors.id(rank);
    const klass = classes[Math.floor(actors.trait(rank, T_CLASS) * classCount)] ?? 'class-001';
    const platform = rng.chance(0.85) ? PLATFORMS.at(actors.trait(rank, T_PLATFORM)) : PLATFORMS.sample(rng);
    const ability = 0.45 + 0.5 * actors.trait(rank, T_ABILITY);
    const mainCourse = courses.indexAt(actors.trait(rank, T_COURSE));
    ctx.emit('app.opened', t, actor, { class: klass, platform });

    let at = t + rng.logNormal(20 * SEC, 0.7);
    const lessons = 1 + rng.geometric(0.45, 5);
    for (let i = 0; i < lessons; i++) {
      const ci = rng.chance(0.7) ? mainCourse : courses.index(rng);
      const [course, subject] = COURSES[ci] ?? COURSES[0] ?? ['algebra-1', 'math'];
      const lesson = lessonNames[ci]?.[lessonIndex.sample(rng)] ?? `${course}-01`;
      ctx.emit('lesson.started', at, actor, { course, subject, class: klass, lesson, platform });
      const seconds = Math.round(clamp(rng.logNormal(480, 0.6), 30, 5400));
      // Weaker students abandon more lessons.
      if (!rng.chance(0.62 + 0.3 * ability)) return;
      at += seconds * SEC;
      const xp = 10 + 5 * rng.int(5);
      ctx.emit('lesson.completed', at, actor, {
        course, subject, class: klass, lesson, platform, xp, duration_seconds: seconds,
      });
      if (rng.chance(0.45)) {
        const quizSeconds = Math.round(clamp(rng.logNormal(180, 0.5), 20, 1800));
        at += quizSeconds * SEC;
        const score = Math.round(clamp(100 * (ability + 0.15 * rng.normal()), 0, 100));
        const passed = score >= 60;
        ctx.emit('quiz.submitted', at, actor, {
          course, subject, class: klass, lesson, platform, score, passed, xp: passed ? 20 + Math.round(score / 10) : 5,
          duration_seconds: quizSeconds,
        });
      }
      at += rng.logNormal(30 * SEC, 0.8);
    }
  };
}

export const learning: DatasetSpec = {
  description: 'Learning platform: students opening the app, starting and completing lessons with XP, taking quizzes',
  profile: {
    // Quiet at night, a morning bump, the main peak after school (UTC).
    hourly: [2, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 7, 7, 8, 9, 11, 13, 14, 14, 13, 11, 8, 5, 3],
    weekly: [0.75, 1.05, 1.1, 1.1, 1.05, 0.95, 0.6],
    monthlyGrowth: 1.2,
    dailyNoise: 0.08,
  },
  eventsPerActor: 50,
  actorZipf: 0.7,
  create: learningEpisode,
};
